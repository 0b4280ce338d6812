import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/connection.js';
import { GroupCommit } from '../../src/db/group-commit.js';
import { allOrNothing, writeTransaction } from '../../src/db/write-transaction.js';

const opened: Db[] = [];

/** A database file with one table, and a second connection to look at it from outside. */
function twoConnections() {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-group-commit-')), 'test.db');
  const db = openDatabase(file);
  db.exec('CREATE TABLE rows (name TEXT NOT NULL UNIQUE)');
  const outside = new Database(file);
  opened.push(db, outside);
  const seen = () => outside.prepare<[], { name: string }>('SELECT name FROM rows ORDER BY name').all().map((row) => row.name);
  const insert = db.prepare<[string]>('INSERT INTO rows (name) VALUES (?)');
  return { file, db, outside, seen, insert: (name: string) => insert.run(name) };
}

afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

describe('writes that arrive together share one commit', () => {
  it('runs requests made in the same turn in one transaction, and settles each only once it is committed', async () => {
    const { db, seen, insert } = twoConnections();
    const writes = new GroupCommit(db);
    const seenByTheSecond: string[][] = [];
    const first = writes.run(() => insert('ada'));
    const second = writes.run(() => {
      seenByTheSecond.push(seen());
      return insert('bob').changes;
    });
    // Nothing runs until the event loop has taken in what was ready.
    expect(seen()).toEqual([]);
    const committed = first.then(() => seen());
    await expect(second).resolves.toBe(1);
    // Ada's row was not yet visible outside when Bob's ran: one transaction, not two.
    expect(seenByTheSecond).toEqual([[]]);
    expect(await committed).toEqual(['ada', 'bob']);
  });

  it('rolls back and rejects only the piece that failed', async () => {
    const { db, seen, insert } = twoConnections();
    const writes = new GroupCommit(db);
    const results = await Promise.allSettled([
      writes.run(() => insert('ada')),
      writes.run(() => {
        insert('bob');
        insert('ada'); // a second Ada breaks the unique rule: Bob's row goes with it
      }),
      writes.run(() => insert('cy')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(seen()).toEqual(['ada', 'cy']);
  });

  it('runs each piece once when none fails, and runs the rest again, apart, when one does', async () => {
    const { db, seen, insert } = twoConnections();
    const writes = new GroupCommit(db);
    const runs = { ada: 0, bob: 0, cy: 0 };
    const piece = (name: keyof typeof runs, fail = false) => () => {
      runs[name] += 1;
      insert(name);
      if (fail) throw new Error(`${name} changed their mind`);
    };
    await Promise.all([writes.run(piece('ada')), writes.run(piece('bob'))]);
    expect(runs).toEqual({ ada: 1, bob: 1, cy: 0 });

    const results = await Promise.allSettled([writes.run(piece('cy')), writes.run(piece('bob', true))]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
    // Cy's first run was rolled back with Bob's failure, and her second committed.
    expect(runs).toEqual({ ada: 1, bob: 3, cy: 2 });
    expect(seen()).toEqual(['ada', 'bob', 'cy']);
  });

  it('undoes the half of a nested transaction that a piece caught the failure of', async () => {
    const { db, seen, insert } = twoConnections();
    const writes = new GroupCommit(db);
    await writes.run(() => insert('ada'));
    const results = await Promise.allSettled([
      writes.run(() => {
        try {
          writeTransaction(db, () => {
            insert('bob');
            insert('ada'); // breaks the unique rule: Bob's row must go with it
          });
        } catch {
          insert('cy');
        }
      }),
      writes.run(() => insert('dan')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(seen()).toEqual(['ada', 'cy', 'dan']);
  });

  it('reports an all-or-nothing run inside a piece as rolled back when it failed, and keeps none of it', async () => {
    const { db, seen, insert } = twoConnections();
    const writes = new GroupCommit(db);
    await writes.run(() => insert('ada'));
    const inner = await writes.run(() => {
      const run = allOrNothing(db, () => {
        try {
          writeTransaction(db, () => {
            insert('bob');
            insert('ada'); // breaks the unique rule
          });
        } catch {
          // carried on from, but without a savepoint Bob's row is still there: the run must count as failed
        }
      });
      insert('cy');
      return run.committed;
    });
    expect(inner).toBe(false);
    expect(seen()).toEqual(['ada', 'cy']);
  });

  it('rejects every piece, and writes nothing, when the database stays locked', async () => {
    const { db, outside, seen, insert } = twoConnections();
    db.pragma('busy_timeout = 50');
    const writes = new GroupCommit(db);
    outside.exec('BEGIN IMMEDIATE');
    const results = await Promise.allSettled([writes.run(() => insert('ada')), writes.run(() => insert('bob'))]);
    outside.exec('ROLLBACK');
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/locked|busy/i);
    expect(seen()).toEqual([]);
    // The next request is not held back by the failed one.
    await writes.run(() => insert('cy'));
    expect(seen()).toEqual(['cy']);
  });

  it('splits a long queue into transactions of at most the batch size', async () => {
    const { db, seen, insert } = twoConnections();
    const writes = new GroupCommit(db, 2);
    const visibleWhenRun: number[] = [];
    const names = ['a', 'b', 'c', 'd', 'e'];
    await Promise.all(
      names.map((name) =>
        writes.run(() => {
          visibleWhenRun.push(seen().length);
          insert(name);
        }),
      ),
    );
    // Pairs commit together: each piece sees only the batches committed before its own.
    expect(visibleWhenRun).toEqual([0, 0, 2, 2, 4]);
    expect(seen()).toEqual(names);
  });
});
