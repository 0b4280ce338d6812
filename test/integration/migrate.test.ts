import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connection.js';
import { MigrationError, migrate, readMigrations, schemaVersion } from '../../src/db/migrate.js';
import { tempDir } from '../helpers/store.js';

const tables = (db: ReturnType<typeof openDatabase>) =>
  db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') ORDER BY name")
    .all()
    .map((row) => row.name);

describe('migrations', () => {
  it('bring a fresh database file to the latest version', () => {
    const db = openDatabase(path.join(tempDir(), 'nested', 'folder', 'paperboy.db'));
    const latest = readMigrations().length;
    expect(schemaVersion(db)).toBe(0);

    const result = migrate(db);

    expect(latest).toBeGreaterThan(0);
    expect(result).toEqual({ applied: Array.from({ length: latest }, (_, i) => i + 1), version: latest });
    expect(schemaVersion(db)).toBe(latest);
    expect(tables(db)).toEqual(expect.arrayContaining(['papers', 'papers_fts', 'schema_migrations', 'papers_fts_after_update']));
    db.close();
  });

  it('are harmless to run twice, in the same process or after a restart', () => {
    const file = path.join(tempDir(), 'paperboy.db');
    const first = openDatabase(file);
    migrate(first);
    const before = tables(first);
    expect(migrate(first).applied).toEqual([]);
    first.close();

    const second = openDatabase(file);
    expect(migrate(second)).toEqual({ applied: [], version: readMigrations().length });
    expect(tables(second)).toEqual(before);
    expect(second.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: readMigrations().length });
    second.close();
  });

  it('open the database with WAL, foreign keys and a busy timeout', () => {
    const db = openDatabase(path.join(tempDir(), 'paperboy.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(1000);
    db.close();
  });

  it('apply new files only, and refuse an applied file that was edited', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '0001_one.sql'), 'CREATE TABLE one (x INTEGER);');
    const db = openDatabase(path.join(dir, 'paperboy.db'));
    expect(migrate(db, readMigrations(dir)).applied).toEqual([1]);

    fs.writeFileSync(path.join(dir, '0002_two.sql'), 'CREATE TABLE two (x INTEGER);');
    expect(migrate(db, readMigrations(dir))).toEqual({ applied: [2], version: 2 });

    fs.writeFileSync(path.join(dir, '0001_one.sql'), 'CREATE TABLE one (x INTEGER, y TEXT);');
    expect(() => migrate(db, readMigrations(dir))).toThrow(/0001_one\.sql changed after it was applied/);
    db.close();
  });

  it('leave the database untouched when a migration fails part-way', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '0001_good.sql'), 'CREATE TABLE good (x INTEGER);');
    fs.writeFileSync(path.join(dir, '0002_bad.sql'), 'CREATE TABLE half (x INTEGER); THIS IS NOT SQL;');
    const db = openDatabase(path.join(dir, 'paperboy.db'));
    expect(() => migrate(db, readMigrations(dir))).toThrow(/syntax error/);
    expect(schemaVersion(db)).toBe(0);
    expect(tables(db)).not.toContain('half');
    expect(tables(db)).not.toContain('good');
    db.close();
  });

  it('refuse a database newer than the code', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '0001_one.sql'), 'CREATE TABLE one (x INTEGER);');
    fs.writeFileSync(path.join(dir, '0002_two.sql'), 'CREATE TABLE two (x INTEGER);');
    const db = openDatabase(path.join(dir, 'paperboy.db'));
    migrate(db, readMigrations(dir));
    fs.rmSync(path.join(dir, '0002_two.sql'));
    expect(() => migrate(db, readMigrations(dir))).toThrow(MigrationError);
    expect(() => migrate(db, readMigrations(dir))).toThrow(/schema version 2, newer than this paperboy knows \(1\)/);
    db.close();
  });

  it('refuse badly numbered files', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '0001_one.sql'), 'SELECT 1;');
    fs.writeFileSync(path.join(dir, '0003_three.sql'), 'SELECT 1;');
    expect(() => readMigrations(dir)).toThrow(/0003_three\.sql: expected version 2/);
    fs.writeFileSync(path.join(dir, 'notes.sql'), 'SELECT 1;');
    expect(() => readMigrations(dir)).toThrow(/notes\.sql: migration files are named NNNN_description\.sql/);
  });
});
