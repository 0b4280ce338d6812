import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { openDatabase, type Db } from '../../src/db/connection.js';
import { migrate } from '../../src/db/migrate.js';
import { ingestPapers } from '../../src/papers/ingest.js';
import type { PaperInput } from '../../src/papers/paper.js';
import { PaperRepository } from '../../src/papers/paper.repository.js';

export { paper } from './papers.js';

const cleanups: Array<() => void> = [];

afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

/** A fresh folder under the system temp dir, removed after the test. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-test-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A real SQLite file with the real migrations, closed and removed after the test. */
export function tempDb(): { db: Db; file: string } {
  const file = path.join(tempDir(), 'paperboy.db');
  const db = openDatabase(file);
  cleanups.push(() => {
    if (db.open) db.close();
  });
  migrate(db);
  return { db, file };
}

/** Stores papers through the real ingest path. */
export function storePapers(db: Db, papers: PaperInput[], now = new Date('2026-11-26T00:00:00Z')): void {
  const result = ingestPapers(new PaperRepository(db), papers, now);
  if (result.rejected.length > 0) throw new Error(`test papers rejected: ${JSON.stringify(result.rejected)}`);
}
