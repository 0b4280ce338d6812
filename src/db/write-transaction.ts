import type { Db } from './connection.js';

/**
 * Runs `work` as one write transaction, or as a savepoint inside one already
 * open. It takes the write lock at BEGIN (BEGIN IMMEDIATE): a deferred
 * transaction that reads before it writes fails at once with SQLITE_BUSY
 * when another process committed in between, since its snapshot is stale and
 * the busy timeout cannot help it. Taking the lock first makes it wait its
 * turn instead, so a digest run, an ingest and the server can share the file.
 */
export function writeTransaction<T>(db: Db, work: () => T): T {
  return db.transaction(work).immediate();
}
