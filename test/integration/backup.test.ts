import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { MailTransport } from '../../src/mail/mail-transport.js';
import { testApp } from '../helpers/app.js';
import { addSubscriber } from '../helpers/digest.js';
import { paper } from '../helpers/papers.js';
import { paperboy } from '../helpers/run.js';
import { storePapers, tempDir } from '../helpers/store.js';

/** A relay that holds every message until `release`, so a run can be caught in the middle. */
function heldTransport() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let arrived!: () => void;
  const first = new Promise<void>((resolve) => (arrived = resolve));
  const transport: MailTransport = {
    kind: 'smtp',
    async send(message) {
      arrived();
      await gate;
      return { messageId: message.messageId, response: '250 ok' };
    },
    async close() {},
  };
  return { transport, first, release };
}

describe('paperboy backup', () => {
  it('copies the database during a digest run, and the copy opens and passes integrity_check', async () => {
    const held = heldTransport();
    const world = await testApp({ seed: false, transport: held.transport });
    for (let i = 0; i < 20; i++) addSubscriber(world.db, { email: `reader${i}@example.com`, topics: ['zebrafish'] });
    storePapers(world.db, [paper({ title: 'Zebrafish regrow fins' })], new Date('2026-11-26T10:00:00Z'));
    const running = world.services.digests.run({ now: new Date('2026-11-27T08:00:00Z') });
    await held.first;

    const out = path.join(tempDir(), 'copy.db');
    const env = { DATABASE_PATH: path.join(world.dir, 'paperboy.db'), LOG_LEVEL: 'silent' };
    const backup = await paperboy(['backup', '--out', out], env);
    held.release();
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/^backed up .* \(\d+ pages\)\n$/);
    expect((await running).sent).toBe(20);

    const copy = new Database(out, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      // The copy is the moment of the backup: the run had planned every digest and was mid-send.
      const statuses = copy.prepare('SELECT status, count(*) AS n FROM deliveries GROUP BY status').all() as Array<{ status: string; n: number }>;
      expect(statuses.reduce((sum, row) => sum + row.n, 0)).toBe(20);
      expect(statuses.find((row) => row.status === 'sending')?.n).toBeGreaterThan(0);
      expect(copy.prepare('SELECT count(*) FROM subscribers').pluck().get()).toBe(20);
    } finally {
      copy.close();
    }
    expect(fs.existsSync(`${out}.partial`)).toBe(false);

    // An existing file is never overwritten.
    const again = await paperboy(['backup', '--out', out], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    expect((await paperboy(['backup', '--help'], env)).stdout).toMatch(/^Usage: paperboy backup --out FILE/);
  });
});
