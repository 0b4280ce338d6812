import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestWorld } from '../helpers/digest.js';
import { paper } from '../helpers/papers.js';
import { paperboy } from '../helpers/run.js';
import { tempDir } from '../helpers/store.js';
import { DeliveryRepository } from '../../src/digest/delivery.repository.js';
import { PruneService } from '../../src/retention/prune.service.js';
import { startPruneJob } from '../../src/retention/prune.scheduler.js';
import { silentLogger } from '../../src/logger.js';
import { RunRepository } from '../../src/runs/run.repository.js';
import { NoticeRepository } from '../../src/subscriptions/notice.repository.js';

const titlesIn = (text: string | undefined) => [...(text ?? '').matchAll(/^\d+\. (.+)$/gm)].map((m) => m[1]);

describe('prune', () => {
  it('deletes old ledger rows and runs but keeps what stops a paper being sent twice', async () => {
    const world = await digestWorld({ env: { RETENTION_DAYS: '1' } });
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    for (const [day, title] of [['27', 'Zebrafish one'], ['28', 'Zebrafish two'], ['29', 'Zebrafish three']]) {
      world.addPapers([paper({ title })], `2026-11-${Number(day) - 1}T10:00:00Z`);
      await world.run(`2026-11-${day}T08:00:00Z`);
    }
    expect(world.inbox('ada@example.com')).toHaveLength(3);
    const before = world.ledger();
    const sentBefore = world.db.prepare('SELECT count(*) FROM sent_papers').pluck().get();

    // Runs are stamped with the wall clock, digests with their run's time: days from now, both are past the one-day retention.
    const now = new Date(Math.max(Date.now(), Date.parse('2026-12-02T12:00:00Z')) + 3 * 86_400_000);
    const dry = await world.services.prune.prune({ now, dryRun: true });
    expect(dry).toMatchObject({ deliveries: 2, runs: 3 });
    expect(world.ledger()).toEqual(before);
    expect(world.services.runs.recent(10)).toHaveLength(3);

    expect(await world.services.prune.prune({ now, dryRun: false })).toEqual(dry);
    expect(world.ledger()).toEqual([before[2]]);
    expect(world.services.runs.recent(10)).toHaveLength(0);
    expect(world.db.prepare('SELECT count(*) FROM sent_papers').pluck().get()).toBeLessThan(sentBefore as number);

    // Within the planner's look-back window, so without the kept row all three would go out again.
    world.addPapers([paper({ title: 'Zebrafish four' })], '2026-12-02T13:00:00Z');
    await world.run('2026-12-03T08:00:00Z');
    const last = world.inbox('ada@example.com').at(-1)!;
    expect(titlesIn(last.parsed.text)).toEqual(['Zebrafish four']);
  });

  it('deletes form-triggered emails that ended before the cutoff, and keeps one still waiting', async () => {
    const world = await digestWorld({ env: { RETENTION_DAYS: '1' } });
    const ada = world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    const bob = world.subscribe({ email: 'bob@example.com', topics: ['zebrafish'] });
    const notices = new NoticeRepository(world.db);
    notices.enqueue(ada.id, 'already-subscribed', '2026-11-27T08:00:00Z');
    const claimed = notices.claim('test/1', '2026-11-27T08:00:00Z')!;
    expect(notices.finish(claimed.id, 'test/1', 'sent', null, '2026-11-27T08:00:01Z')).toBe(true);
    notices.enqueue(bob.id, 'already-subscribed', '2026-11-27T08:00:00Z');
    const count = () => world.db.prepare('SELECT status FROM notices ORDER BY id').pluck().all();
    expect(count()).toEqual(['sent', 'pending']);

    const now = new Date('2026-12-01T00:00:00Z');
    expect(await world.services.prune.prune({ now, dryRun: true })).toMatchObject({ emails: 1 });
    expect(count()).toEqual(['sent', 'pending']);
    expect(await world.services.prune.prune({ now, dryRun: false })).toMatchObject({ emails: 1 });
    expect(count()).toEqual(['pending']);
  });

  it('`paperboy prune --dry-run` says what would go and deletes nothing', async () => {
    const env = { DATABASE_PATH: path.join(tempDir(), 'paperboy.db'), LOG_LEVEL: 'silent' };
    expect((await paperboy(['ingest', '--source', 'seed'], env)).code).toBe(0);
    const dry = await paperboy(['prune', '--dry-run'], { ...env, RETENTION_DAYS: '1' });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^would delete 0 ledger rows, 0 queued emails, 0 runs and 0 outbox files older than \d{4}-/);
    expect((await paperboy(['prune', '--help'], env)).stdout).toMatch(/^Usage: paperboy prune \[--dry-run\]/);
    expect((await paperboy(['prune', '--days', '3'], env)).code).toBe(2);
  });

  /** Two readers, three days of digests each: four ledger rows past a one-day retention, and a pruner that takes one id per window. */
  async function threeDays() {
    const world = await digestWorld({ env: { RETENTION_DAYS: '1' } });
    for (const email of ['ada@example.com', 'bob@example.com']) world.subscribe({ email, topics: ['zebrafish'] });
    for (const [day, title] of [['27', 'Zebrafish one'], ['28', 'Zebrafish two'], ['29', 'Zebrafish three']]) {
      world.addPapers([paper({ title })], `2026-11-${Number(day) - 1}T10:00:00Z`);
      await world.run(`2026-11-${day}T08:00:00Z`);
    }
    const rows = () => world.db.prepare('SELECT count(*) FROM deliveries').pluck().get() as number;
    expect(rows()).toBe(6);
    const windowed = new PruneService({
      deliveries: new DeliveryRepository(world.db),
      notices: new NoticeRepository(world.db),
      runs: new RunRepository(world.db),
      outbox: null,
      retentionDays: 1,
      window: 1,
    });
    const now = new Date(Math.max(Date.now(), Date.parse('2026-12-02T12:00:00Z')) + 3 * 86_400_000);
    return { world, rows, windowed, now };
  }

  it('deletes a window of ids at a time and gives the event loop a turn between windows, with the same result', async () => {
    const { world, rows, windowed, now } = await threeDays();
    // The same rows qualify whatever the window: a window of one id against the default.
    expect(await windowed.prune({ now, dryRun: true })).toEqual(await world.services.prune.prune({ now, dryRun: true }));

    // Something else on the event loop (a request, a health check) looks at the ledger on every turn while the prune runs.
    const seen = new Set<number>();
    let pruning = true;
    const watch = () => {
      seen.add(rows());
      if (pruning) setImmediate(watch);
    };
    setImmediate(watch);
    const result = await windowed.prune({ now, dryRun: false });
    pruning = false;
    expect(result).toMatchObject({ deliveries: 4, complete: true });
    expect(rows()).toBe(2);
    // It saw the ledger part-way: one statement for all four rows would leave it only 6 or 2.
    expect([...seen].some((n) => n > 2 && n < 6)).toBe(true);
  });

  it('stops at the next window when the server shuts down, and waits for it; the next prune does the rest', async () => {
    const { rows, windowed, now } = await threeDays();
    const logged: string[] = [];
    const logger = { ...silentLogger, info: (_fields: object, message: string) => void logged.push(message) };
    const job = startPruneJob({ schedule: null, prune: windowed, logger, clock: () => now });
    const running = job.run();
    await new Promise((resolve) => setImmediate(resolve));
    await job.stop();
    // Nothing more is deleted once stop has returned: the database may close now.
    const left = rows();
    for (let turn = 0; turn < 10; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(rows()).toBe(left);
    expect(left).toBeGreaterThan(2);
    await running;
    expect(logged).toEqual([expect.stringMatching(/ledger rows, .* \(stopped part-way; the next prune does the rest\)$/)]);
    // A stopped job runs nothing more.
    await job.run();
    expect(rows()).toBe(left);

    expect(await windowed.prune({ now, dryRun: false })).toMatchObject({ deliveries: left - 2, complete: true });
    expect(rows()).toBe(2);
  });

  it('`paperboy prune` shows how far it has walked, and says what it deleted', async () => {
    const { world, rows } = await threeDays();
    const env = { DATABASE_PATH: world.db.name, LOG_LEVEL: 'silent', RETENTION_DAYS: '1' };
    const pruned = await paperboy(['prune'], env);
    expect(pruned.code).toBe(0);
    // Not a terminal, so plain lines: the ids it will walk (the ledger's six, no queued emails).
    expect(pruned.stderr).toMatch(/^prune: 6 to do$/m);
    expect(pruned.stdout).toMatch(/^deleted 4 ledger rows, 0 queued emails, /);
    expect(rows()).toBe(2);
  });

  it('reports each window to a progress bar, and the windows add up to the ids it walks', async () => {
    const { windowed, now } = await threeDays();
    const reported: number[] = [];
    let ready = 0;
    await windowed.prune({ now, dryRun: true, progress: { onReady: (ids) => (ready = ids), onWindow: (ids) => void reported.push(ids) } });
    expect(ready).toBe(6);
    expect(reported).toEqual([1, 1, 1, 1, 1, 1]);

    // Once the old rows are gone, a prune walks from the first id left (5), not from the start of the table.
    await windowed.prune({ now, dryRun: false });
    reported.length = 0;
    await windowed.prune({ now, dryRun: true, progress: { onReady: (ids) => (ready = ids), onWindow: (ids) => void reported.push(ids) } });
    expect(ready).toBe(2);
    expect(reported).toEqual([1, 1]);
  });

  it('walks each window by rowid, never the status index across the whole table', async () => {
    const world = await digestWorld();
    const statements = [
      (world.services.deliveries as unknown as { pruneRows: { source: string } }).pruneRows.source,
      (new NoticeRepository(world.db) as unknown as { pruneRows: { source: string } }).pruneRows.source,
    ];
    for (const statement of statements) {
      const plan = world.db.prepare(`EXPLAIN QUERY PLAN ${statement}`).all({ cutoff: '2026-11-01T00:00:00Z', after: 0, upto: 5000 }) as Array<{ parent: number; detail: string }>;
      const outer = plan.filter((step) => step.parent === 0);
      expect(outer[0]!.detail).toMatch(/^SEARCH (deliveries|notices) USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)$/);
    }
    // Where the walk starts and ends: the ends of the rowid B-tree, never a scan of the table.
    for (const repository of [world.services.deliveries, new NoticeRepository(world.db)]) {
      const span = (repository as unknown as { span: { source: string } }).span.source;
      const plan = world.db.prepare(`EXPLAIN QUERY PLAN ${span}`).all() as Array<{ detail: string }>;
      expect(plan.map((step) => step.detail).filter((detail) => /deliveries|notices/.test(detail))).toEqual([
        expect.stringMatching(/^SEARCH (deliveries|notices)$/),
        expect.stringMatching(/^SEARCH (deliveries|notices)$/),
      ]);
    }
  });
});
