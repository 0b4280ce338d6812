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
}

export interface PruneDeps {
  deliveries: DeliveryRepository;
  notices: NoticeRepository;
  runs: RunRepository;
  outbox: Outbox | null;
  retentionDays: number;
}

const DAY_MS = 86_400_000;

/**
 * Retention: ended ledger rows and form emails, run history and outbox files older than
 * RETENTION_DAYS go; the ledger rows the no-repeat rule still reads stay
 * whatever their age. The audit log and subscribers are never pruned here.
 */
export class PruneService {
  constructor(private readonly deps: PruneDeps) {}

  prune({ now, dryRun }: { now: Date; dryRun: boolean }): PruneResult {
    const cutoff = new Date(now.getTime() - this.deps.retentionDays * DAY_MS);
    const at = cutoff.toISOString();
    return {
      cutoff: at,
      deliveries: this.deps.deliveries.pruneEnded(at, dryRun),
      emails: this.deps.notices.pruneEnded(at, dryRun),
      runs: this.deps.runs.prune(at, dryRun),
      outboxFiles: this.deps.outbox?.prune(cutoff, dryRun) ?? 0,
    };
  }
}

/** "12 ledger rows, 5 queued emails, 40 runs and 3 outbox files": for the CLI and the log. */
export function describePrune(result: PruneResult): string {
  return `${result.deliveries} ledger rows, ${result.emails} queued emails, ${result.runs} runs and ${result.outboxFiles} outbox files older than ${result.cutoff}`;
}
