import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/connection.js';
import { MigrationError, migrate, readMigrations, schemaVersion } from '../../src/db/migrate.js';
import { tempDir } from '../helpers/store.js';

const count = (db: Db, table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** A database at the schema just before the subscribers table was rebuilt, holding a subscriber with topics and a sent digest. */
function databaseBeforeRebuild(): Db {
  const migrations = readMigrations();
  // Found by name, not number: migrations from elsewhere may be numbered around it.
  const rebuild = migrations.findIndex((m) => m.name.endsWith('_subscriber_token_secrets.sql'));
  expect(rebuild).toBeGreaterThan(0);
  const db = openDatabase(path.join(tempDir(), 'paperboy.db'));
  migrate(db, migrations.slice(0, rebuild));
  const at = '2026-11-27T10:00:00Z';
  db.prepare(`INSERT INTO papers (id, source, title, ingested_at, updated_at) VALUES ('2411.00001', 'seed', 'A paper', ?, ?)`).run(at, at);
  const subscriber = db.prepare(`INSERT INTO subscribers (email, status, frequency, send_hour, timezone, created_at, updated_at) VALUES (?, 'active', 'daily', 8, 'UTC', ?, ?)`);
  for (const email of ['ada@example.com', 'bob@example.com']) subscriber.run(email, at, at);
  db.prepare(`INSERT INTO subscriber_topics (subscriber_id, position, text, key) VALUES (2, 0, 'LoRA', 'lora')`).run();
  db.prepare(`INSERT INTO deliveries (id, subscriber_id, digest_key, status, message_id, watermark, planned_at, updated_at) VALUES (1, 2, '2026-11-27', 'sent', '<m@x>', 1, ?, ?)`).run(at, at);
  db.prepare('INSERT INTO sent_papers (subscriber_id, paper_seq, delivery_id) VALUES (2, 1, 1)').run();
  return db;
}

describe('the subscribers rebuild (ids never reused, a secret per subscriber)', () => {
  it('keeps every subscriber and every row that refers to them, and gives each its own secret', () => {
    const db = databaseBeforeRebuild();
    migrate(db);
    expect(schemaVersion(db)).toBe(readMigrations().length);
    expect(db.prepare('SELECT id, email, status, token_version FROM subscribers ORDER BY id').all()).toEqual([
      { id: 1, email: 'ada@example.com', status: 'active', token_version: 1 },
      { id: 2, email: 'bob@example.com', status: 'active', token_version: 1 },
    ]);
    const secrets = (db.prepare('SELECT token_secret FROM subscribers').all() as Array<{ token_secret: string }>).map((r) => r.token_secret);
    expect(secrets.every((s) => /^[0-9a-f]{32}$/.test(s))).toBe(true);
    expect(new Set(secrets).size).toBe(2);
    expect([count(db, 'subscriber_topics'), count(db, 'deliveries'), count(db, 'sent_papers')]).toEqual([1, 1, 1]);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);

    // The tables that refer to subscribers now refer to the rebuilt one: erasing still cascades.
    db.prepare('DELETE FROM subscribers WHERE id = 2').run();
    expect([count(db, 'subscriber_topics'), count(db, 'deliveries'), count(db, 'sent_papers')]).toEqual([0, 0, 0]);
    // And the id of the newest, erased subscriber is never handed out again.
    const { lastInsertRowid } = db
      .prepare(`INSERT INTO subscribers (email, frequency, send_hour, timezone, created_at, updated_at) VALUES ('cy@example.com', 'daily', 8, 'UTC', 'x', 'x')`)
      .run();
    expect(Number(lastInsertRowid)).toBe(3);
    db.close();
  });

  it('refuses to commit migrations that leave a row pointing at nothing', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '0001_tables.sql'), 'CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (parent_id INTEGER REFERENCES parent (id));');
    fs.writeFileSync(path.join(dir, '0002_dangling.sql'), 'INSERT INTO child (parent_id) VALUES (42);');
    const db = openDatabase(path.join(dir, 'paperboy.db'));
    expect(() => migrate(db, readMigrations(dir))).toThrow(MigrationError);
    expect(() => migrate(db, readMigrations(dir))).toThrow(/1 row\(s\) of child refer to missing rows of parent/);
    expect(schemaVersion(db)).toBe(0);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });
});
