import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connection.js';
import { writeTransaction } from '../../src/db/write-transaction.js';
import { paperboy } from '../helpers/run.js';
import { paper, storePapers, tempDb } from '../helpers/store.js';

describe('write transactions shared by several processes on one database', () => {
  it('take the write lock at BEGIN, so a read followed by a write is never overtaken by another connection', () => {
    const { db, file } = tempDb();
    db.exec('CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO counter VALUES (1, 0)');
    const other = openDatabase(file);
    other.pragma('busy_timeout = 20');
    try {
      let otherError: unknown = null;
      const result = writeTransaction(db, () => {
        const { n } = db.prepare('SELECT n FROM counter WHERE id = 1').get() as { n: number };
        // Another connection tries to write between this read and this write. A deferred
        // transaction would let it, then fail its own write with SQLITE_BUSY.
        try {
          other.prepare('UPDATE counter SET n = n + 100 WHERE id = 1').run();
        } catch (error) {
          otherError = error;
        }
        db.prepare('UPDATE counter SET n = ? WHERE id = 1').run(n + 1);
        return n + 1;
      });
      expect(result).toBe(1);
      expect((otherError as { code?: string } | null)?.code).toBe('SQLITE_BUSY');
      // Once the transaction has committed, the other connection writes as usual.
      other.prepare('UPDATE counter SET n = n + 100 WHERE id = 1').run();
      expect(db.prepare('SELECT n FROM counter').get()).toEqual({ n: 101 });
    } finally {
      other.close();
    }
  });

  it('runs as a savepoint inside a transaction already open: an inner failure undoes only its own writes', () => {
    const { db } = tempDb();
    db.exec('CREATE TABLE notes (text TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO notes (text) VALUES (?)');
    writeTransaction(db, () => {
      insert.run('outer');
      expect(() =>
        writeTransaction(db, () => {
          insert.run('inner');
          throw new Error('inner work failed');
        }),
      ).toThrow('inner work failed');
    });
    expect(db.prepare('SELECT text FROM notes').all()).toEqual([{ text: 'outer' }]);
  });

  it('lets several CLI processes open a database that still needs its definitions mined, all at once', { timeout: 120_000 }, async () => {
    const { db, file } = tempDb();
    const papers = Array.from({ length: 20000 }, (_, i) =>
      paper({ title: `Paper ${i} on low-rank adaptation`, abstract: `We study low-rank adaptation (LoRA) and parameter-efficient fine-tuning (PEFT), case ${i}.` }),
    );
    storePapers(db, papers, new Date('2026-11-26T10:00:00Z'));
    const mined = db.prepare('SELECT count(*) AS n FROM paper_abbreviations').get();
    // A database from before definitions were collected: every process that opens it mines them first.
    for (let round = 0; round < 3; round += 1) {
      db.exec('UPDATE abbreviation_state SET mined = 0; DELETE FROM paper_abbreviations');
      const runs = await Promise.all(Array.from({ length: 6 }, () => paperboy(['migrate'], { DATABASE_PATH: file })));
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      expect(db.prepare('SELECT mined FROM abbreviation_state').get()).toEqual({ mined: 1 });
      expect(db.prepare('SELECT count(*) AS n FROM paper_abbreviations').get()).toEqual(mined);
    }
  });
});
