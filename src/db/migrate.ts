import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { UserError } from '../errors.js';
import { MIGRATIONS_DIR } from '../paths.js';
import type { Db } from './connection.js';
import { writeTransaction } from './write-transaction.js';

const FILE_NAME = /^(\d{4})_[a-z0-9_-]+\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  /** Versions applied by this call, oldest first. */
  applied: number[];
  /** The schema version the database is at now. */
  version: number;
}

/** The database and this paperboy disagree about the schema: the operator picks the right version. */
export class MigrationError extends UserError {
  override name = 'MigrationError';
}

/** Reads `NNNN_name.sql` files; versions must run 1, 2, 3… with no gap or repeat. */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => {
      const match = FILE_NAME.exec(name);
      if (!match) throw new MigrationError(`${name}: migration files are named NNNN_description.sql`);
      const sql = fs.readFileSync(`${dir}/${name}`, 'utf8');
      return { version: Number(match[1]), name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new MigrationError(`${migration.name}: expected version ${index + 1}; versions must be numbered without gaps`);
    }
  });
  return migrations;
}

/**
 * Applies the migrations the database has not seen, in one IMMEDIATE
 * transaction, so a server and a CLI starting together cannot both apply the
 * same file: the second waits for the first, then finds nothing to do.
 *
 * Foreign keys are off while migrations run, as SQLite's own procedure for
 * rebuilding a table asks: the pragma cannot change inside a transaction, and
 * with it on, dropping a rebuilt table would cascade into every table that
 * refers to it. `foreign_key_check` then proves nothing was left dangling
 * before the transaction commits.
 */
export function migrate(db: Db, migrations: Migration[] = readMigrations()): MigrateResult {
  // Every start after the first: found out by reading alone, so a command that only reads
  // (runs, match) never waits for another process's write lock.
  if (upToDate(db, migrations)) return { applied: [], version: migrations.length };
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);

  const run = (): MigrateResult => {
    const done = new Map(
      db
        .prepare<[], { version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM schema_migrations')
        .all()
        .map((row) => [row.version, row] as const),
    );
    const latest = migrations.length;
    for (const row of done.values()) {
      const file = migrations[row.version - 1];
      if (!file) {
        throw new MigrationError(
          `the database is at schema version ${Math.max(...done.keys())}, newer than this paperboy knows (${latest}); run a newer paperboy`,
        );
      }
      // Forward-only: an applied file that changed means the database and
      // the code disagree about the schema.
      if (file.checksum !== row.checksum) {
        throw new MigrationError(`${file.name} changed after it was applied; add a new migration instead of editing an old one`);
      }
    }

    const record = db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)');
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, migration.checksum, new Date().toISOString());
      applied.push(migration.version);
    }
    const dangling = applied.length > 0 ? db.prepare<[], { table: string; parent: string }>('PRAGMA foreign_key_check').all() : [];
    if (dangling.length > 0) {
      const { table, parent } = dangling[0]!;
      throw new MigrationError(`after migrating, ${dangling.length} row(s) of ${table} refer to missing rows of ${parent}; nothing was applied`);
    }
    return { applied, version: latest };
  };
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) === 1;
  db.pragma('foreign_keys = OFF');
  try {
    return writeTransaction(db, run);
  } finally {
    if (foreignKeys) db.pragma('foreign_keys = ON');
  }
}

/** Every migration applied, unchanged, and none the code does not know; anything else takes the write path, which explains it. */
function upToDate(db: Db, migrations: readonly Migration[]): boolean {
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get()) return false;
  const rows = db.prepare<[], { version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations').all();
  return rows.length === migrations.length && rows.every((row) => migrations[row.version - 1]?.checksum === row.checksum);
}

/** The highest applied version, or 0 for a database never migrated. */
export function schemaVersion(db: Db): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!table) return 0;
  const row = db.prepare<[], { version: number | null }>('SELECT max(version) AS version FROM schema_migrations').get();
  return row?.version ?? 0;
}
