import type { Db } from './connection.js';
import { writeTransaction } from './write-transaction.js';

interface Waiting {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Group commit: writes that arrive together share one transaction. Each
 * request's work is queued, and once the event loop has taken in every
 * request that was ready (the next `setImmediate`), the queue runs in one
 * transaction, each piece inside a savepoint of its own. A commit costs the
 * same for one row as for fifty, so under load the commits per request fall
 * with the batch size; alone, a request waits one turn of the event loop.
 *
 * Each piece is still all or nothing: one that throws rolls back to its
 * savepoint and rejects alone, and the others commit. A failed commit
 * rejects them all, as each would have failed on its own. Every promise
 * settles only after the commit, so an answer sent on it is durable.
 */
export class GroupCommit {
  private waiting: Waiting[] = [];

  constructor(
    private readonly db: Db,
    /** The most pieces in one transaction, so one commit never holds the write lock long. */
    private readonly maxBatch = 100,
  ) {}

  /** Runs `work` atomically in the next shared transaction; resolves with its result once that commits. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.waiting.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.waiting.splice(0, this.maxBatch);
    if (this.waiting.length > 0) setImmediate(() => this.flush());
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      writeTransaction(this.db, () => {
        for (const { work } of batch) {
          try {
            outcomes.push({ ok: true, value: writeTransaction(this.db, work) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    batch.forEach((waiting, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) waiting.resolve(outcome.value);
      else waiting.reject(outcome.error);
    });
  }
}
