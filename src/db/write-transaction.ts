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
  let runner = runners.get(db);
  if (!runner) {
    runner = db.transaction((inner: () => unknown) => inner());
    runners.set(db, runner);
  }
  return runner.immediate(work) as T;
}
