import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { Db } from '../../src/db/connection.js';
import { createWorld } from '../kit/world.js';

export { paper } from './papers.js';
export { storePapers } from '../kit/world.js';

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

/** An empty world from the test kit: a real SQLite file with the real migrations, closed and removed after the test. */
export function tempDb(): { db: Db; file: string } {
  const { db, file } = createWorld({ dir: tempDir() });
  cleanups.push(() => {
    if (db.open) db.close();
  });
  return { db, file };
}
