import { describe, expect, it } from 'vitest';
import { TEST_SECRET } from '../helpers/app.js';
import { addSubscriber } from '../helpers/digest.js';
import { paper } from '../helpers/papers.js';
import { paperboy } from '../helpers/run.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { storePapers, tempDb } from '../helpers/store.js';

const DAY1 = '2026-11-27T08:00:00Z';
const DAY2 = '2026-11-28T08:00:00Z';

async function store(readers: number) {
  const { db, file } = tempDb();
  for (let i = 0; i < readers; i += 1) addSubscriber(db, { email: `reader${i}@example.com`, topics: ['zebrafish'] });
  storePapers(db, [paper({ title: 'Zebrafish fins regrow' })], new Date('2026-11-26T10:00:00Z'));
  const sink = await startSmtpSink();
  const env = { DATABASE_PATH: file, SECRET_KEY: TEST_SECRET, SMTP_URL: sink.url, SMTP_POOL_SIZE: '3' };
  const statuses = () =>
    (db.prepare('SELECT status, count(*) AS n FROM deliveries GROUP BY status ORDER BY status').all() as Array<{ status: string; n: number }>).map(
      ({ status, n }) => `${status}:${n}`,
    );
  return { db, sink, env, statuses };
}

// Each case runs the real CLI several times over.
describe('send quotas shared by every process on one database', { timeout: 120_000 }, () => {
  it('two processes at once stay within SMTP_DAILY_QUOTA; the rest go out in the next window, none dropped', async () => {
    const { db, sink, env, statuses } = await store(7);
    const quota = { ...env, SMTP_DAILY_QUOTA: '3' };
    const [a, b] = await Promise.all([paperboy(['digest', '--now', DAY1], quota), paperboy(['digest', '--now', DAY1], quota)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(sink.received).toHaveLength(3);
    expect(statuses()).toEqual(['pending:4', 'sent:3']);
    expect(`${a.stderr}${b.stderr}`).toMatch(/daily send quota is used up; \d+ digests wait for the next run/);
    // The run history says so too, where `paperboy runs` and the admin dashboard read it.
    const deferred = db.prepare("SELECT sum(json_extract(counts, '$.deferred')) AS n FROM runs WHERE kind = 'digest'").get() as { n: number };
    expect(deferred.n).toBeGreaterThan(0);
    // Waiting for the quota is not a failed attempt.
    expect(db.prepare("SELECT max(attempts) AS n FROM deliveries WHERE status = 'pending'").get()).toEqual({ n: 0 });

    // An hour later the window still holds three hand-offs: nothing goes.
    await paperboy(['digest', '--now', '2026-11-27T09:00:00Z'], quota);
    expect(sink.received).toHaveLength(3);

    // A day later, three of the waiting DAY1 digests go out, then the next three.
    const next = await paperboy(['digest', '--now', DAY2], quota);
    expect(next.code, next.stderr).toBe(0);
    expect(sink.received).toHaveLength(6);
    await paperboy(['digest', '--now', '2026-11-29T08:00:00Z'], quota);
    expect(sink.received).toHaveLength(7);
    expect(statuses()).toEqual(['sent:7', 'skipped:14']);
    expect(new Set(sink.received.map((mail) => mail.envelopeTo[0])).size).toBe(7);
  });

  it('two processes at once never hand over more than SMTP_RATE_LIMIT messages in any second between them', async () => {
    const { db, sink, env } = await store(8);
    const limited = { ...env, SMTP_RATE_LIMIT: '2' };
    const runs = await Promise.all([paperboy(['digest', '--now', DAY1], limited), paperboy(['digest', '--now', DAY1], limited)]);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(sink.received).toHaveLength(8);
    const times = (db.prepare('SELECT at_ms FROM relay_handoffs ORDER BY at_ms').all() as Array<{ at_ms: number }>).map((row) => row.at_ms);
    expect(times).toHaveLength(8);
    // Any three consecutive hand-offs span at least a second.
    for (let i = 2; i < times.length; i += 1) expect(times[i]! - times[i - 2]!).toBeGreaterThanOrEqual(1000);
  });
});
