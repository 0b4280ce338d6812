import type { DeliveryRepository } from '../digest/delivery.repository.js';
import type { Outbox } from '../mail/outbox.js';
import type { RunRepository } from '../runs/run.repository.js';
import type { NoticeRepository } from '../subscriptions/notice.repository.js';

export interface PruneResult {
  /** Everything last changed before this time was in scope. */
  cutoff: string;
  deliveries: number;
  /** Form-triggered emails (confirmations and notes) that ended. */
  emails: number;
  runs: number;
  outboxFiles: number;
  /** False when a stop (the server shutting down) cut it short between windows; the next prune does the rest. */
  complete: boolean;
}

export interface PruneDeps {
  deliveries: DeliveryRepository;
  notices: NoticeRepository;
  runs: RunRepository;
  outbox: Outbox | null;
  retentionDays: number;
  /** Rows (by id) each delete looks at; the default suits a ledger of millions. */
  window?: number;
}

const DAY_MS = 86_400_000;

/**
 * Ids per delete. On 990,000 prunable ledger rows with ten sent papers each
 * (10,000 readers over 100 days), one statement held the write lock for
 * 25 to 27 s, five times the 5 s every other writer waits, and stopped the
 * server's event loop as long. Windows of 1,000 ids held it at most 80 to
 * 96 ms and took 55 to 61 s in all; windows of 5,000 held it up to 330 ms.
 * `npm run bench` measures it again (the prune_* figures).
 */
export const PRUNE_WINDOW = 1_000;

export interface PruneOptions {
  now: Date;
  dryRun: boolean;
  /** Stops the prune at its next window (a server shutting down). */
  signal?: AbortSignal;
  progress?: PruneProgress;
}

/** For a progress bar: how many ids the prune will walk, then each window's share as it is done. */
export interface PruneProgress {
  onReady(ids: number): void;
  onWindow(ids: number): void;
}

/** Ids `after` < id <= `upto` (the stores' IdWindow; retention does not reach into the database layer). */
type IdRange = { after: number; upto: number };

/** A table pruned a window of ids at a time. */
interface Windowed {
  idSpan(): IdRange;
  pruneEnded(cutoff: string, dryRun: boolean, ids: IdRange): number;
}

/**
 * Retention: ended ledger rows and form emails, run history and outbox files older than
 * RETENTION_DAYS go; the ledger rows the no-repeat rule still reads stay
 * whatever their age. The audit log and subscribers are never pruned here.
 */
export class PruneService {
  constructor(private readonly deps: PruneDeps) {}

  /**
   * Each window is its own statement and transaction, and the event loop
   * gets a turn between windows, so a server or digest run sharing the
   * file waits for one window at most. A prune cut short (a kill, a crash)
   * leaves whole windows done and the rest for the next run; so does
   * `signal`, which stops it at the next window (a server shutting down).
   */
  async prune(options: PruneOptions): Promise<PruneResult> {
    const { now, dryRun, signal, progress } = options;
    const cutoff = new Date(now.getTime() - this.deps.retentionDays * DAY_MS);
    const at = cutoff.toISOString();
    // Rows added after this point are newer than any cutoff, so each walk can stop at the last id it sees now;
    // it starts at the first id still there, since ids below it were pruned long ago.
    const walks = [this.deps.deliveries, this.deps.notices].map((table) => ({ table, span: table.idSpan() }));
    progress?.onReady(walks.reduce((sum, { span }) => sum + (span.upto - span.after), 0));
    const counts: number[] = [];
    for (const { table, span } of walks) counts.push(await this.inWindows(table, span, at, options));
    const [deliveries = 0, emails = 0] = counts;
    if (signal?.aborted) return { cutoff: at, deliveries, emails, runs: 0, outboxFiles: 0, complete: false };
    return {
      cutoff: at,
      deliveries,
      emails,
      runs: this.deps.runs.prune(at, dryRun),
      outboxFiles: this.deps.outbox?.prune(cutoff, dryRun) ?? 0,
      complete: true,
    };
  }

  private async inWindows(table: Windowed, span: IdRange, cutoff: string, { dryRun, signal, progress }: PruneOptions): Promise<number> {
    const size = this.deps.window ?? PRUNE_WINDOW;
    let total = 0;
    for (let after = span.after; after < span.upto && !signal?.aborted; after += size) {
      const upto = Math.min(after + size, span.upto);
      total += table.pruneEnded(cutoff, dryRun, { after, upto });
      progress?.onWindow(upto - after);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  }
}

/** "12 ledger rows, 5 queued emails, 40 runs and 3 outbox files": for the CLI and the log. */
export function describePrune(result: PruneResult): string {
  const stopped = result.complete ? '' : ' (stopped part-way; the next prune does the rest)';
  return `${result.deliveries} ledger rows, ${result.emails} queued emails, ${result.runs} runs and ${result.outboxFiles} outbox files older than ${result.cutoff}${stopped}`;
}
