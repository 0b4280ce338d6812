import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTOCHECKPOINT_PAGES, FALLBACK_AUTOCHECKPOINT_PAGES, startCheckpointer } from '../../src/db/checkpointer.js';
import { openDatabase, type Db } from '../../src/db/connection.js';

const opened: Db[] = [];

function database() {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-checkpoint-')), 'test.db');
  const db = openDatabase(file);
  opened.push(db);
  db.exec('CREATE TABLE blobs (body BLOB NOT NULL)');
  // Everything so far into the file, so only what the test writes is left in the WAL.
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { file, db, size: () => fs.statSync(file).size };
}

/** About 300 pages in 30 commits: under SQLite's own threshold (1,000), so no commit checkpoints by itself. */
function writeSomePages(db: Db) {
  const insert = db.prepare<[Buffer]>('INSERT INTO blobs (body) VALUES (?)');
  for (let commit = 0; commit < 30; commit += 1) db.transaction(() => insert.run(Buffer.alloc(40_000, commit)))();
}

async function until(check: () => boolean, ms = 5_000) {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
  return check();
}

afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
});

describe('WAL checkpoints run on a thread of their own', () => {
  it('copies committed pages into the database file without a commit doing it', async () => {
    const { db, size } = database();
    const before = size();
    const checkpointer = startCheckpointer(db, { intervalMs: 20 });
    try {
      // The writer's own checkpoint now waits for far more pages than this.
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(FALLBACK_AUTOCHECKPOINT_PAGES);
      writeSomePages(db);
      expect(await until(() => size() > before + 1_000_000)).toBe(true);
    } finally {
      await checkpointer.stop();
    }
    // Stopped, the writer checkpoints for itself again.
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(AUTOCHECKPOINT_PAGES);
    expect(db.prepare('SELECT count(*) AS n FROM blobs').get()).toEqual({ n: 30 });
  });

  it('without it, the same writes stay in the WAL until SQLite’s own threshold', async () => {
    const { db, size } = database();
    const before = size();
    writeSomePages(db);
    expect(await until(() => size() > before + 1_000_000, 300)).toBe(false);
  });

  it('leaves no WAL behind once stopped and the database closed', async () => {
    const { db, file } = database();
    const checkpointer = startCheckpointer(db, { intervalMs: 20 });
    writeSomePages(db);
    await checkpointer.stop();
    db.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('does nothing for a database in memory', async () => {
    const db = openDatabase(':memory:');
    opened.push(db);
    const checkpointer = startCheckpointer(db);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(AUTOCHECKPOINT_PAGES);
    await checkpointer.stop();
  });

  it('reports a failure and gives the writer its own checkpoints back', async () => {
    const { db, file } = database();
    const errors: string[] = [];
    // The worker opens the file itself: one that is gone by then makes it fail at once.
    fs.rmSync(file);
    const checkpointer = startCheckpointer(db, { intervalMs: 20, onError: (message) => errors.push(message) });
    expect(await until(() => errors.length > 0)).toBe(true);
    await checkpointer.stop();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(AUTOCHECKPOINT_PAGES);
  });
});
