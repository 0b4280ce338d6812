import { processGone, runnerName } from '../db/claims.js';
import type { RunCounts, RunKind, RunRepository, RunTrigger } from './run.repository.js';

/** A run as it ended, for listeners such as the metrics. */
export interface FinishedRun {
  kind: RunKind;
  source: string | null;
  trigger: RunTrigger;
  outcome: 'ok' | 'failed';
  counts: RunCounts;
  seconds: number;
}

/** What a run's result says about itself: its counters, and an error when it did not finish its work. */
export interface RunReport {
  counts: RunCounts;
  error: string | null;
}

/**
 * Records each run's start, end, counts and outcome. The row is written
 * before the work starts, with the process that runs it, so a run whose
 * process dies is still visible, and the next run on that host marks it
 * failed.
 */
export class RunHistory {
  private readonly listeners: Array<(run: FinishedRun) => void> = [];

  constructor(
    private readonly repo: RunRepository,
    private readonly trigger: RunTrigger,
    private readonly clock: () => Date = () => new Date(),
    /** This process, as runs name it. */
    private readonly runner: string = runnerName(),
  ) {}

  onFinish(listener: (run: FinishedRun) => void): void {
    this.listeners.push(listener);
  }

  /** Runs `work` as one recorded run. A throw is recorded as a failed run and thrown on. */
  async record<T>(kind: RunKind, source: string | null, work: () => Promise<T>, report: (result: T) => RunReport): Promise<T> {
    const started = this.clock();
    const startedMs = performance.now();
    this.endAbandoned(started);
    const id = this.repo.start(kind, source, this.trigger, started.toISOString(), this.runner);
    const end = (outcome: 'ok' | 'failed', counts: RunCounts, error: string | null) => {
      this.repo.finish(id, outcome, counts, error, this.clock().toISOString());
      const run = { kind, source, trigger: this.trigger, outcome, counts, seconds: (performance.now() - startedMs) / 1000 };
      for (const listener of this.listeners) listener(run);
    };
    let result: T;
    try {
      result = await work();
    } catch (err) {
      end('failed', {}, err instanceof Error ? err.message : String(err));
      throw err;
    }
    const { counts, error } = report(result);
    end(error ? 'failed' : 'ok', counts, error);
    return result;
  }

  /**
   * Marks failed the runs whose process is gone from this host (killed,
   * crashed) without recording their end, so the history does not show them
   * running for ever. A runner on another host is left alone: this process
   * cannot see it, and a long run there may still be going.
   */
  private endAbandoned(now: Date): void {
    for (const run of this.repo.running()) {
      if (run.runner === this.runner || !processGone(run.runner, this.runner)) continue;
      this.repo.finish(run.id, 'failed', {}, 'its process stopped (killed or crashed) before the run ended', now.toISOString());
    }
  }
}

/** The counters an ingest run reports, from `runIngest`'s result. */
export function ingestReport(result: { added: number; updated: number; unchanged: number; rejected: unknown[]; pages: number; failure: Error | null }): RunReport {
  return {
    counts: { added: result.added, updated: result.updated, unchanged: result.unchanged, rejected: result.rejected.length, pages: result.pages },
    error: result.failure?.message ?? null,
  };
}

/** The counters a digest run reports; a relay that could not be reached makes the run a failure. */
export function digestReport(summary: {
  due: number;
  planned: number;
  skipped: number;
  sent: number;
  retried: number;
  failed: number;
  bounced: number;
  cancelled: number;
  recovered: number;
  relayDown: boolean;
  relayRefusal: string | null;
  stopped: boolean;
  /** Left for a later run because the daily send quota was used up. */
  deferred: number;
}): RunReport {
  const { due, planned, skipped, sent, retried, failed, bounced, cancelled, recovered, deferred } = summary;
  const error =
    summary.relayRefusal !== null
      ? `the SMTP relay refused our login or sender: ${summary.relayRefusal}`
      : summary.relayDown
        ? 'the SMTP relay could not be reached'
        : summary.stopped
          ? 'stopped by a shutdown before everything due was sent; the rest go out at the next run'
          : null;
  return { counts: { due, planned, skipped, sent, retried, failed, bounced, cancelled, recovered, deferred }, error };
}
