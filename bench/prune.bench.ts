/**
 * Pruning a large ledger: every digest of `readers` readers over `days`
 * days, ten sent papers each, all past retention but each reader's newest.
 * Deleted once in one statement (a window spanning every id) and once in
 * the windows `paperboy prune` uses, each on a store of its own, built the
 * same way. The longest window is the longest the write lock is held, which
 * every other writer (the server, a digest run) waits out.
 */
import { DeliveryRepository } from '../src/digest/delivery.repository.js';
import { PRUNE_WINDOW, PruneService } from '../src/retention/prune.service.js';
import { RunRepository } from '../src/runs/run.repository.js';
import { NoticeRepository } from '../src/subscriptions/notice.repository.js';
import { eachSyntheticReader, syntheticPapers, syntheticTopics } from '../test/kit/synthetic.js';
import { createWorld } from '../test/kit/world.js';
import { addReaders } from './synthetic.js';

const PAPERS_PER_DIGEST = 10;
const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 1);
/** A day past the last digest plus the retention, so every digest but each reader's newest is prunable. */
const RETENTION_DAYS = 30;

export interface PruneFigures {
  /** Ledger rows deleted, and sent-paper rows deleted with them. */
  rows: number;
  cascaded: number;
  oneStatementSeconds: number;
  windowedSeconds: number;
  longestWindowMs: number;
  window: number;
}

function buildLedger(readers: number, days: number) {
  const world = createWorld({ papers: syntheticPapers(days * PAPERS_PER_DIGEST), papersAt: new Date(START) });
  const { db } = world;
  addReaders(db, eachSyntheticReader(readers, syntheticTopics(100)));
  const seqs = db.prepare('SELECT seq FROM papers ORDER BY seq').pluck().all() as number[];
  const ids = db.prepare('SELECT id FROM subscribers').pluck().all() as number[];
  const digest = db.prepare<[number, string, string, number, string, string]>(`
    INSERT INTO deliveries (subscriber_id, digest_key, status, message_id, watermark, planned_at, updated_at)
    VALUES (?, ?, 'sent', ?, ?, ?, ?)`);
  const sent = db.prepare<[number, number, number | bigint]>('INSERT INTO sent_papers (subscriber_id, paper_seq, delivery_id) VALUES (?, ?, ?)');
  // A fixture, not the app's write path: one transaction for all of it.
  db.transaction(() => {
    for (let day = 0; day < days; day += 1) {
      const at = new Date(START + day * DAY_MS).toISOString();
      const papers = seqs.slice(day * PAPERS_PER_DIGEST, (day + 1) * PAPERS_PER_DIGEST);
      for (const id of ids) {
        const { lastInsertRowid } = digest.run(id, at.slice(0, 10), `<${id}.${day}@bench.example>`, papers.at(-1)!, at, at);
        for (const seq of papers) sent.run(id, seq, lastInsertRowid);
      }
    }
  })();
  const pruner = (window: number) =>
    new PruneService({ deliveries: new DeliveryRepository(db), notices: new NoticeRepository(db), runs: new RunRepository(db), outbox: null, retentionDays: RETENTION_DAYS, window });
  return { world, pruner, now: new Date(START + (days + RETENTION_DAYS) * DAY_MS) };
}

async function timed(readers: number, days: number, window: number) {
  const { world, pruner, now } = buildLedger(readers, days);
  try {
    const sentBefore = world.db.prepare('SELECT count(*) FROM sent_papers').pluck().get() as number;
    let longest = 0;
    let last = 0;
    const started = performance.now();
    const progress = {
      onReady: () => (last = performance.now()),
      onWindow: () => {
        const at = performance.now();
        longest = Math.max(longest, at - last);
        last = at;
      },
    };
    const result = await pruner(window).prune({ now, dryRun: false, progress });
    const seconds = (performance.now() - started) / 1000;
    const cascaded = sentBefore - (world.db.prepare('SELECT count(*) FROM sent_papers').pluck().get() as number);
    // Each reader's newest digest stays.
    if (result.deliveries !== readers * (days - 1)) throw new Error(`pruned ${result.deliveries} rows, expected ${readers * (days - 1)}`);
    return { rows: result.deliveries, cascaded, seconds, longestMs: longest };
  } finally {
    world.remove();
  }
}

export async function pruneBench({ readers, days }: { readers: number; days: number }): Promise<PruneFigures> {
  const one = await timed(readers, days, Number.MAX_SAFE_INTEGER);
  const windowed = await timed(readers, days, PRUNE_WINDOW);
  return {
    rows: windowed.rows,
    cascaded: windowed.cascaded,
    oneStatementSeconds: one.seconds,
    windowedSeconds: windowed.seconds,
    longestWindowMs: windowed.longestMs,
    window: PRUNE_WINDOW,
  };
}
