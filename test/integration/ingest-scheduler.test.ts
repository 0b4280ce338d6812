import cron from 'node-cron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startIngestJobs, type IngestJobs, type IngestJobsOptions } from '../../src/papers/ingest.scheduler.js';
import { PaperRepository } from '../../src/papers/paper.repository.js';
import { atom, json, startFixtureServer } from '../helpers/fixture-server.js';
import { ATOM, hfEntries, snapshot } from '../helpers/sources.js';
import { tempDb } from '../helpers/store.js';

interface Entry {
  level: 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger() {
  const entries: Entry[] = [];
  const log = (level: Entry['level']) => (fields: object, message: string) => entries.push({ level, fields: fields as Entry['fields'], message });
  return { entries, logger: { info: log('info'), warn: log('warn'), error: log('error'), debug: () => undefined } };
}

const started: IngestJobs[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(started.splice(0).map((jobs) => jobs.stop()));
});

function start(baseUrl: string, overrides: Partial<IngestJobsOptions> & { schedule?: { hf: string | null; arxiv: string | null } } = {}) {
  const { db } = tempDb();
  const { entries, logger } = recordingLogger();
  const config = {
    ...loadConfig({ HF_BASE_URL: baseUrl, ARXIV_BASE_URL: baseUrl, ARXIV_CATEGORIES: 'cs.LG' }),
    ingestSchedule: overrides.schedule ?? { hf: null, arxiv: null },
  };
  const jobs = startIngestJobs({
    config,
    repo: new PaperRepository(db),
    logger,
    clock: () => new Date('2024-10-26T00:30:00Z'),
    http: { sleep: async () => undefined, retry: { attempts: 2, baseDelayMs: 1 } },
    pacer: { sleep: async () => undefined },
    ...overrides,
  });
  started.push(jobs);
  return { db, jobs, entries };
}

describe('scheduled ingest', () => {
  it('reads Hugging Face for today and yesterday (UTC) and logs what each run added, updated and rejected', async () => {
    const entries = hfEntries();
    delete entries[3].paper.upvotes;
    const server = await startFixtureServer((request) =>
      json(request.query.get('date') === '2024-10-25' && request.query.get('p') === '0' ? entries : []),
    );
    const { db, jobs, entries: logs } = start(server.url);
    await jobs.run('hf');

    expect(new Set(server.requests.map((r) => r.query.get('date')))).toEqual(new Set(['2024-10-26', '2024-10-25']));
    expect(new PaperRepository(db).count()).toBe(3);
    const summaries = logs.filter((e) => e.level === 'info').map((e) => e.fields);
    expect(summaries).toEqual([
      expect.objectContaining({ job: 'hf', date: '2024-10-26', added: 0, updated: 0, unchanged: 0, rejected: 0 }),
      expect.objectContaining({ job: 'hf', date: '2024-10-25', added: 3, updated: 0, unchanged: 0, rejected: 1 }),
    ]);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ id: '2410.18234', reason: expect.stringMatching(/paper\.upvotes/) }) }),
    );

    await jobs.run('hf');
    expect(logs.filter((e) => e.level === 'info').at(-1)?.fields).toMatchObject({ date: '2024-10-25', added: 0, unchanged: 3 });
  });

  it('logs a failed day as an error, still reads the other day, and never throws', async () => {
    const server = await startFixtureServer((request) =>
      request.query.get('date') === '2024-10-26' ? { status: 500 } : json(request.query.get('p') === '0' ? hfEntries() : []),
    );
    const { db, jobs, entries: logs } = start(server.url);
    await expect(jobs.run('hf')).resolves.toBeUndefined();
    const failure = logs.find((e) => e.level === 'error');
    expect(failure?.fields).toMatchObject({ job: 'hf', date: '2024-10-26', added: 0, err: expect.stringMatching(/HTTP 500.*gave up after 2 tries/) });
    expect(logs.filter((e) => e.level === 'warn' && e.message.includes('retrying'))).toHaveLength(1);
    expect(new PaperRepository(db).count()).toBe(4);
  });

  it('reads arXiv for the configured categories and logs the counts', async () => {
    const server = await startFixtureServer(() => atom(ATOM));
    const { jobs, entries: logs } = start(server.url);
    await jobs.run('arxiv');
    expect(server.requests[0]?.query.get('search_query')).toBe('cat:cs.LG');
    expect(logs.find((e) => e.level === 'info')?.fields).toMatchObject({ job: 'arxiv', added: 3, since: '2024-10-24T00:30:00.000Z' });
  });

  it('never overlaps itself: a tick or a manual run while one is going starts nothing', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(new Date('2024-10-26T00:00:30Z'));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const calls: string[] = [];
    const fetch = async (url: string | URL | Request) => {
      calls.push(String(url));
      if (calls.length === 1) await gate;
      return new Response('[]', { headers: { 'content-type': 'application/json' } });
    };
    const { jobs, entries: logs } = start('http://127.0.0.1:9', {
      schedule: { hf: '* * * * *', arxiv: null },
      clock: () => new Date(),
      http: { fetch: fetch as typeof globalThis.fetch },
    });

    await vi.advanceTimersByTimeAsync(30_000);
    expect(calls).toHaveLength(1);
    // Two more minutes pass with the first run stuck on its first request.
    await vi.advanceTimersByTimeAsync(120_000);
    await jobs.run('hf');
    expect(calls).toHaveLength(1);
    expect(logs.filter((e) => e.level === 'warn' && /still running/.test(e.message)).length).toBeGreaterThanOrEqual(1);

    release();
    await vi.advanceTimersByTimeAsync(0);
    // The first run finishes (today, then yesterday); the next tick runs again.
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(4);
  });

  it('schedules only the jobs that are on, and stop() removes them and aborts a run in flight', async () => {
    // The answer would come long after the test's own timeout, so only an aborted request lets stop() return.
    const server = await startFixtureServer(() => ({ ...json(hfEntries()), delayMs: 3_600_000 }));
    const { db, jobs, entries: logs } = start(server.url, { schedule: { hf: '7 * * * *', arxiv: null } });
    const names = () => [...cron.getTasks().values()].map((task) => task.name);
    expect(names()).toContain('ingest-hf');
    expect(names()).not.toContain('ingest-arxiv');

    const before = snapshot(db);
    const running = jobs.run('hf');
    await vi.waitFor(() => expect(server.requests).toHaveLength(1));
    await jobs.stop();
    await running;
    expect(names()).not.toContain('ingest-hf');
    expect(snapshot(db)).toEqual(before);
    expect(logs.some((e) => e.level === 'error')).toBe(false);
    expect(logs.find((e) => e.level === 'info')?.message).toMatch(/stopped for shutdown/);
  });
});
