import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunHistory, ingestReport } from '../../src/runs/run-history.js';
import { RunRepository } from '../../src/runs/run.repository.js';
import { digestWorld } from '../helpers/digest.js';
import { paper } from '../helpers/papers.js';
import { paperboy } from '../helpers/run.js';
import { tempDb, tempDir } from '../helpers/store.js';

describe('run history', () => {
  it('records each digest run with its counts, and no dry run', async () => {
    const world = await digestWorld();
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    world.subscribe({ email: 'bob@example.com', topics: ['cats'] });
    world.addPapers([paper({ title: 'Zebrafish regrow fins' })], '2026-11-26T10:00:00Z');

    await world.run('2026-11-27T08:00:00Z', true);
    expect(world.services.runs.recent(10)).toEqual([]);

    const summary = await world.run('2026-11-27T08:00:00Z');
    const [run] = world.services.runs.recent(10);
    expect(run).toMatchObject({ kind: 'digest', source: null, trigger: 'schedule', outcome: 'ok', error: null });
    expect(run!.counts).toMatchObject({ due: 2, sent: summary.sent, skipped: summary.skipped });
    expect(run!.counts.sent).toBe(1);
    expect(run!.counts.skipped).toBe(1);
    expect(run!.finishedAt! >= run!.startedAt).toBe(true);
  });

  it('records a digest run that a shutdown stopped part-way as failed, saying the rest go out next time', async () => {
    let stopping: Promise<void> | null = null;
    let claimedAtStop = 0;
    const world = await digestWorld({
      // The relay's first message is when the service is told to shut down.
      onData: () => {
        if (!stopping) {
          stopping = world.services.digests.stop();
          // Claimed rows not yet started go back at once, while the sends in flight still wait for their answer.
          claimedAtStop = world.db.prepare("SELECT count(*) FROM deliveries WHERE status = 'sending'").pluck().get() as number;
        }
        return null;
      },
    });
    for (let i = 0; i < 30; i++) world.subscribe({ email: `reader${i}@example.com`, topics: ['zebrafish'] });
    world.addPapers([paper({ title: 'Zebrafish regrow fins' })], '2026-11-26T10:00:00Z');
    const summary = await world.run('2026-11-27T08:00:00Z');
    await stopping;
    expect(summary.sent).toBeLessThan(30);
    expect(claimedAtStop).toBeGreaterThan(0);
    expect(claimedAtStop).toBeLessThanOrEqual(world.services.config.smtpPoolSize);
    expect(world.db.prepare("SELECT count(*) FROM deliveries WHERE status = 'pending'").pluck().get()).toBe(30 - summary.sent);
    const [run] = world.services.runs.recent(10);
    expect(run).toMatchObject({ kind: 'digest', outcome: 'failed', error: expect.stringMatching(/^stopped by a shutdown before everything due was sent/) });
    expect(run!.counts.sent).toBe(summary.sent);
  });

  it('marks failed a run whose process on this host is gone, and leaves runs still going, or elsewhere, alone', async () => {
    const { db } = tempDb();
    const repo = new RunRepository(db);
    const host = os.hostname();
    // A process that has exited: its pid is free (for now) and nothing answers to it.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const killed = repo.start('digest', null, 'schedule', '2026-11-27T08:00:00Z', `${host}/${gone}`);
    const alive = repo.start('ingest', 'hf', 'schedule', '2026-11-27T08:00:00Z', `${host}/${process.ppid}`);
    const elsewhere = repo.start('digest', null, 'cli', '2026-11-27T08:00:00Z', 'another-host/1');
    const history = new RunHistory(repo, 'cli', () => new Date('2026-11-27T09:00:00Z'), `${host}/${process.pid}`);
    await history.record('ingest', 'arxiv', async () => ({ added: 0, updated: 0, unchanged: 0, rejected: [], pages: 0, failure: null }), ingestReport);
    const byId = new Map(repo.recent(10).map((run) => [run.id, run]));
    expect(byId.get(killed)).toMatchObject({ outcome: 'failed', error: 'its process stopped (killed or crashed) before the run ended', finishedAt: '2026-11-27T09:00:00.000Z' });
    expect(byId.get(alive)).toMatchObject({ outcome: 'running', finishedAt: null });
    expect(byId.get(elsewhere)).toMatchObject({ outcome: 'running', finishedAt: null });
  });

  it('records a run that throws as failed, with its error, and passes the error on', async () => {
    const { db } = tempDb();
    const repo = new RunRepository(db);
    const history = new RunHistory(repo, 'cli');
    const seen: string[] = [];
    history.onFinish((run) => seen.push(`${run.kind}:${run.outcome}`));
    await expect(history.record('ingest', 'hf', () => Promise.reject(new Error('source said 502')), ingestReport)).rejects.toThrow('source said 502');
    const partial = { added: 2, updated: 0, unchanged: 0, rejected: [], pages: 1, failure: new Error('page 2 timed out') };
    await history.record('ingest', 'arxiv', async () => partial, ingestReport);
    expect(repo.recent(10).map(({ source, outcome, error, counts }) => ({ source, outcome, error, added: counts.added }))).toEqual([
      { source: 'arxiv', outcome: 'failed', error: 'page 2 timed out', added: 2 },
      { source: 'hf', outcome: 'failed', error: 'source said 502', added: undefined },
    ]);
    expect(seen).toEqual(['ingest:failed', 'ingest:failed']);
  });

  it('`paperboy runs` lists the runs the CLI made, newest first', async () => {
    const env = { DATABASE_PATH: path.join(tempDir(), 'paperboy.db'), LOG_LEVEL: 'silent' };
    expect((await paperboy(['runs'], env)).stdout).toBe('no runs recorded yet\n');
    expect((await paperboy(['ingest', '--source', 'seed'], env)).code).toBe(0);
    expect((await paperboy(['digest', '--now', '2026-11-27T08:00:00Z'], env)).code).toBe(0);

    const listed = await paperboy(['runs'], env);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/ digest +cli +ok /);
    expect(lines[1]).toMatch(/ ingest seed +cli +ok +[\d.]+ s {2}added \d+/);

    const json = JSON.parse((await paperboy(['runs', '--kind', 'ingest', '--json'], env)).stdout);
    expect(json).toHaveLength(1);
    expect(json[0].counts.added).toBeGreaterThan(0);
    expect((await paperboy(['runs', '--limit', 'x'], env)).code).toBe(2);
    const help = await paperboy(['runs', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: paperboy runs/);
  });
});
