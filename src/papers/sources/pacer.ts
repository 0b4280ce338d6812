import { realSleep, type Sleep } from './http-client.js';

/** Waits until at least `intervalMs` has passed since the previous call returned. */
export type Pacer = (signal?: AbortSignal) => Promise<void>;

export interface PacerOptions {
  now?: () => number;
  sleep?: Sleep;
}

/**
 * Spaces calls to a service that asks for it (arXiv: one call every 3 s).
 * Calls are served in order, so two callers sharing a pacer never both pass
 * inside one interval.
 */
export function createPacer(intervalMs: number, { now = Date.now, sleep = realSleep }: PacerOptions = {}): Pacer {
  let last = Number.NEGATIVE_INFINITY;
  let queue: Promise<void> = Promise.resolve();
  return (signal) => {
    const turn = queue.then(async () => {
      const wait = last + intervalMs - now();
      if (wait > 0) await sleep(wait, signal);
      last = now();
    });
    queue = turn.catch(() => undefined);
    return turn;
  };
}
