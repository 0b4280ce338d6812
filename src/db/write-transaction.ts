import type { Db } from './connection.js';

/** One transaction function per connection, which runs whatever it is given: building one per call cost more than the savepoint it opens. */
const runners = new WeakMap<Db, { immediate: (work: () => unknown) => unknown }>();

/**
 * Runs `work` as one write transaction, or as a savepoint inside one already
 * open. It takes the write lock at BEGIN (BEGIN IMMEDIATE): a deferred
 * transaction that reads before it writes fails at once with SQLITE_BUSY
 * when another process committed in between, since its snapshot is stale and
 * the busy timeout cannot help it. Taking the lock first makes it wait its
 * turn instead, so a digest run, an ingest and the server can share the file.
 */
export function writeTransaction<T>(db: Db, work: () => T): T {
  const whole = wholeBatches.get(db);
  if (whole) {
    try {
      return work();
    } catch (err) {
      // Caught or not, this work may have left half its writes: the whole batch must go.
      whole.failed = true;
      throw err;
    }
  }
  let runner = runners.get(db);
  if (!runner) {
    runner = db.transaction((inner: () => unknown) => inner());
    runners.set(db, runner);
  }
  return runner.immediate(work) as T;
}

/** Connections running a batch that is rolled back whole on any failure, so nothing in it needs a savepoint. */
const wholeBatches = new WeakMap<Db, { failed: boolean }>();

const ROLL_BACK = Symbol('roll back');

/**
 * Runs `work` as one write transaction in which no `writeTransaction` inside
 * opens a savepoint. A savepoint is not free: SQLite copies every page the
 * work changes to a statement journal first, in case it must roll back to
 * it. Here a failure rolls back everything instead, and the result says so
 * (`committed: false`): one thrown out of `work`, or out of a
 * `writeTransaction` inside it even when the work caught it and carried on,
 * since that transaction's writes so far are not undone on their own. (A
 * single statement that fails undoes itself, as SQLite's statements do.)
 * A failure to begin or commit is thrown, as by `writeTransaction`.
 */
export function allOrNothing<T>(db: Db, work: () => T): { committed: true; value: T } | { committed: false } {
  const state = { failed: false };
  // Inside another such batch, a failure here must still fail that one: it has no savepoint to undo this.
  const outer = wholeBatches.get(db);
  try {
    return writeTransaction(db, () => {
      wholeBatches.set(db, state);
      let value: T;
      try {
        value = work();
      } finally {
        if (outer) wholeBatches.set(db, outer);
        else wholeBatches.delete(db);
      }
      if (state.failed) throw ROLL_BACK;
      return { committed: true as const, value };
    });
  } catch (err) {
    if (err === ROLL_BACK || state.failed) return { committed: false };
    throw err;
  }
}
