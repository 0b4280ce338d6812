import type { Db } from './connection.js';
import { allOrNothing, writeTransaction } from './write-transaction.js';

interface Waiting {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit: writes that arrive together share one transaction. Each
 * request's work is queued, and once the event loop has taken in every
 * request that was ready (the next `setImmediate`), the queue runs in one
 * transaction. A commit costs the same for one row as for fifty, so under
 * load the commits per request fall with the batch size; alone, a request
 * waits one turn of the event loop.
 *
 * Each piece is still all or nothing. The batch first runs with no
 * savepoints, which cost a copy of every page a piece changes; if any piece
 * fails, all of it rolls back and the batch runs again with each piece in a
 * savepoint of its own, so the one that throws rolls back and rejects alone
 * and the others commit. A piece may therefore run twice: keep its effects
 * to the database, and act on its result once it resolves. A failed commit
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
    let outcomes: Outcome[];
    try {
      outcomes = this.together(batch) ?? this.apart(batch);
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

  /** The whole batch in one transaction without savepoints; null, with nothing written, when a piece failed. */
  private together(batch: Waiting[]): Outcome[] | null {
    const run = allOrNothing(this.db, () => batch.map(({ work }): Outcome => ({ ok: true, value: writeTransaction(this.db, work) })));
    return run.committed ? run.value : null;
  }

  /** Each piece in a savepoint of its own, so one that fails rolls back and rejects alone. */
  private apart(batch: Waiting[]): Outcome[] {
    const outcomes: Outcome[] = [];
    writeTransaction(this.db, () => {
      for (const { work } of batch) {
        try {
          outcomes.push({ ok: true, value: writeTransaction(this.db, work) });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
    });
    return outcomes;
  }
}
