import cron from 'node-cron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startDigestJob, type DigestJob } from '../../src/digest/digest.scheduler.js';
import type { Logger } from '../../src/logger.js';
import { digestWorld } from '../helpers/digest.js';
import { paper } from '../helpers/papers.js';

interface Entry {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger(): { logger: Logger; entries: Entry[] } {
  const entries: Entry[] = [];
  const log = (level: string) => (fields: object, message: string) => entries.push({ level, fields: fields as Entry['fields'], message });
  return { entries, logger: { info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') } as unknown as Logger };
}

const jobs: DigestJob[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(jobs.splice(0).map((job) => job.stop()));
});

async function world() {
  const { logger, entries } = recordingLogger();
  const opened = await digestWorld({ logger });
  opened.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
  opened.addPapers([paper({ title: 'Zebrafish' })], '2026-11-26T10:00:00Z');
  return { ...opened, logger, entries };
}

describe('the digest run', () => {
  it('logs a summary of every run: due, sent, skipped, retried, bounced and seconds', async () => {
    const w = await world();
    await w.run('2026-11-27T08:00:00Z');
    const summary = w.entries.find((entry) => entry.message.startsWith('digest run:'))!;
    expect(summary.level).toBe('info');
    expect(summary.message).toMatch(/^digest run: 1 due, 1 sent, 0 skipped, 0 retried, 0 bounced in [\d.]+ s$/);
    expect(summary.fields).toMatchObject({ due: 1, sent: 1, skipped: 0, retried: 0, bounced: 0 });
    expect(summary.fields.seconds).toEqual(expect.any(Number));
  });

  it('joins a run already in progress instead of starting a second one beside it', async () => {
    const w = await world();
    const now = new Date('2026-11-27T08:00:00Z');
    const [first, second] = await Promise.all([w.services.digests.run({ now }), w.services.digests.run({ now })]);
    expect(second).toBe(first);
    expect(w.sink.received).toHaveLength(1);
    expect(w.entries.filter((entry) => entry.message.startsWith('digest run:'))).toHaveLength(1);
  });
});

describe('the digest schedule', () => {
  it('ticks on its cron schedule, and stops ticking when stopped', async () => {
    const w = await world();
    // node-cron 4 arms a setTimeout for the next match of the schedule, reading the time from Date.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(new Date('2026-11-27T08:00:30Z'));
    const runs = () => w.entries.filter((entry) => entry.message.startsWith('digest run:')).length;
    const job = startDigestJob({ schedule: '* * * * *', digests: w.services.digests, logger: w.logger, clock: () => new Date() });
    jobs.push(job);

    await vi.advanceTimersByTimeAsync(29_000);
    expect(runs()).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    // The tick at 08:01 talks to the SMTP server over real sockets, whose libraries also set timers:
    // each check lets the fake clock move 20 ms with the real one, never near the next minute.
    await vi.waitUntil(() => runs() === 1, { timeout: 10_000, interval: 20 });
    expect(w.sink.received).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs()).toBe(2);

    const scheduled = () => [...cron.getTasks().values()].map((task) => task.name);
    expect(scheduled()).toContain('digest');
    await job.stop();
    expect(scheduled()).not.toContain('digest');
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(runs()).toBe(2);
    expect(w.sink.received).toHaveLength(1);
  });

  it('is off when DIGEST_SCHEDULE is off, while a run by hand still works', async () => {
    const w = await world();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(new Date('2026-11-27T08:00:30Z'));
    const job = startDigestJob({ schedule: null, digests: w.services.digests, logger: w.logger, clock: () => new Date('2026-11-27T08:00:00Z') });
    jobs.push(job);
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(w.entries.filter((entry) => entry.message.startsWith('digest run:'))).toHaveLength(0);
    expect(w.sink.received).toHaveLength(0);
    vi.useRealTimers();
    expect(await job.run()).toMatchObject({ sent: 1 });
  });
});
