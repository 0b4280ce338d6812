import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './connection.js';

/** SQLite's own threshold for its automatic checkpoint, in WAL pages (4 KB each). */
export const AUTOCHECKPOINT_PAGES = 1_000;

/**
 * While a checkpointer runs, the writer's own automatic checkpoint waits for
 * this many pages (40 MB): a safety net, so a stalled checkpointer cannot let
 * the WAL grow without end.
 */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

const DEFAULT_INTERVAL_MS = 200;

/**
 * The worker's whole program, run from a string: the same text works from the
 * built files, under tsx and under vitest, where a worker file next to this one
 * would be `.ts` or missing. It opens its own connection to the same file and
 * runs a passive checkpoint on every tick: one that never waits for, nor
 * blocks, a reader or writer, and does nothing when the WAL has nothing new.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage(String(err && err.message));
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export interface CheckpointerOptions {
  intervalMs?: number;
  /** Told of each failure; the next tick tries again, and the writer's fallback stays. */
  onError?: (message: string) => void;
}

export interface Checkpointer {
  /** Checkpoints one last time, closes the worker's connection and gives the writer back its own checkpoints. */
  stop(): Promise<void>;
}

/**
 * Moves WAL checkpoints off the thread that writes. SQLite's automatic
 * checkpoint runs inside whichever commit crosses its threshold, and with
 * `synchronous = NORMAL` it is the only part of a commit that waits for the
 * disk (an fsync of the WAL and of the database): it doubled the cost of a
 * subscribe's commit (0.2 ms against 0.1, measured here) and lands on the
 * thread that answers requests. The server starts a checkpointer after
 * opening the database; its worker thread copies the WAL back into the
 * database file every `intervalMs`, on another core.
 *
 * The CLI does not: a worker thread costs about 16 MB of RSS, which a digest
 * run's memory bar cannot spare, and side by side runs of 10,000 digests
 * with and without one could not tell the difference in speed from noise.
 */
export function startCheckpointer(db: Db, options: CheckpointerOptions = {}): Checkpointer {
  if (db.memory || db.pragma('journal_mode', { simple: true }) !== 'wal') return { stop: async () => undefined };
  let restored = false;
  const restore = () => {
    if (restored || !db.open) return;
    restored = true;
    db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  };
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      file: db.name,
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS,
    },
  });
  // The process may end without stopping it (a CLI command's last line): the worker never holds it open.
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (message: string) => options.onError?.(message));
  db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  worker.on('error', (err) => {
    // Without the worker the writer checkpoints for itself again, as SQLite always does.
    restore();
    options.onError?.(err.message);
  });
  return {
    async stop() {
      // Held open until the worker has closed its connection: an unref'd worker alone would let the process end mid-wait.
      worker.ref();
      worker.postMessage('stop');
      await exited;
      restore();
    },
  };
}
