import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { EnvironmentError, UserError } from '../errors.js';

export type Db = Database.Database;

/** How long a writer waits for another process's write lock before it gives up. */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the SQLite file, creating its folder. WAL lets the web server read
 * while a digest run or an ingest writes; the busy timeout makes a second
 * writer (the CLI beside a running server) wait instead of failing.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // What a delete removes is overwritten where that costs no extra I/O: an erased subscriber's
    // address does not linger in the file's free space, nor in a backup taken from it.
    db.pragma('secure_delete = FAST');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

const READ_ONLY = new Set(['EACCES', 'EPERM', 'EROFS', 'SQLITE_READONLY', 'SQLITE_READONLY_DIRECTORY', 'SQLITE_CANTOPEN', 'SQLITE_PERM', 'SQLITE_AUTH']);

/**
 * What an operator can do about a failure to open or migrate the database, as
 * one line; other errors pass through untouched. A file that is not a
 * database is the setting's fault (exit 2); a damaged or unwritable one is
 * the machine's (exit 1).
 */
export function explainDatabaseError(err: unknown, file: string): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return err;
  const where = path.resolve(file);
  if (code === 'SQLITE_NOTADB') {
    return new UserError(`DATABASE_PATH ${where} is not an SQLite database: point DATABASE_PATH at paperboy's database, or at a new file`);
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new EnvironmentError(`the database ${where} is damaged: restore it from a backup, or move it away to start empty`);
  }
  if (READ_ONLY.has(code) || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN')) {
    return new EnvironmentError(
      `cannot write the database ${where}: the file or its folder is read-only or not ours (${code}); give the user paperboy runs as write access to both`,
    );
  }
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    return new UserError(`DATABASE_PATH ${where} is not a file path whose folder can be made (${code}): point it at a file in a folder`);
  }
  if (code === 'ENOSPC' || code === 'SQLITE_FULL') return new EnvironmentError(`the disk holding ${where} is full: free some space`);
  return err;
}

/** SQLite's codes for a database another process holds, or a file it cannot open, read or write. */
const MACHINE_CODES = /^SQLITE_(BUSY|LOCKED|CANTOPEN|READONLY|FULL|IOERR|PERM|AUTH|NOTADB|CORRUPT)/;

/**
 * A SQLite error the machine caused, whichever file it is about (the store,
 * a backup's copy), as the one line an operator is shown; null for any other
 * error. `explainDatabaseError` says more when the file is known to be the
 * store.
 */
export function sqliteFault(err: unknown): EnvironmentError | null {
  const code = (err as { code?: unknown }).code;
  if (!(err instanceof Error) || typeof code !== 'string' || !MACHINE_CODES.test(code)) return null;
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) {
    return new EnvironmentError(
      `the database is locked: another process held its write lock past the busy timeout (${BUSY_TIMEOUT_MS / 1000} s); try again once it is done (${code})`,
    );
  }
  return new EnvironmentError(`${err.message} (${code})`);
}
