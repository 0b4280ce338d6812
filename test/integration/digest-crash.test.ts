import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TEST_SECRET } from '../helpers/app.js';
import { addSubscriber } from '../helpers/digest.js';
import { paper } from '../helpers/papers.js';
import { cleanEnv, paperboy, ROOT } from '../helpers/run.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { storePapers, tempDb } from '../helpers/store.js';

const NOW = '2026-11-27T08:00:00Z';
const READERS = 8;

const messageIdOf = (raw: Buffer) => /^Message-ID: *(.+)\r$/im.exec(raw.toString())?.[1];

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a digest run killed between claim and send', () => {
  it('is finished by the next run, each subscriber getting exactly one Message-ID', async () => {
    const { db, file } = tempDb();
    for (let i = 0; i < READERS; i += 1) addSubscriber(db, { email: `reader${i}@example.com`, topics: ['zebrafish'] });
    storePapers(db, [paper({ title: 'Zebrafish' })], new Date('2026-11-26T10:00:00Z'));
    const env = { DATABASE_PATH: file, SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'silent' };

    // A relay that takes the message and never answers: the runner has claimed and handed it over, but cannot know.
    const stuck = await startSmtpSink({ onData: () => 'hang' });
    const child = spawn(process.execPath, ['bin/paperboy.js', 'digest', '--now', NOW], {
      cwd: ROOT,
      env: cleanEnv({ ...env, SMTP_URL: stuck.url }),
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await until(() => stuck.seen.length >= 3);
    const sending = db.prepare("SELECT count(*) AS n FROM deliveries WHERE status = 'sending'").get() as { n: number };
    expect(sending.n).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await exited;

    const relay = await startSmtpSink();
    const rerun = await paperboy(['digest', '--now', NOW], { ...env, SMTP_URL: relay.url });
    expect(rerun.stderr).toContain('took back digests a stopped runner had claimed');
    expect(rerun.code, rerun.stderr).toBe(0);

    const statuses = db.prepare('SELECT status, count(*) AS n FROM deliveries GROUP BY status').all();
    expect(statuses).toEqual([{ status: 'sent', n: READERS }]);
    // The killed runner's claims did not count as attempts: each digest went out on its first.
    const attempts = db.prepare('SELECT DISTINCT attempts FROM deliveries').all();
    expect(attempts).toEqual([{ attempts: 1 }]);
    expect(relay.received).toHaveLength(READERS);
    for (let i = 0; i < READERS; i += 1) {
      const address = `reader${i}@example.com`;
      const ids = [...stuck.seen, ...relay.received]
        .filter((mail) => mail.envelopeTo.includes(address))
        .map((mail) => messageIdOf(mail.raw));
      expect(new Set(ids).size, address).toBe(1);
    }
  });
});
