import cron from 'node-cron';
import { cronLogger, type Logger } from '../logger.js';
import type { DigestService, RunSummary } from './digest.service.js';

export interface DigestJob {
  /** Runs a tick now (a tick already running is joined, not doubled). */
  run(): Promise<RunSummary | null>;
  /** Stops the schedule and claiming, and waits for sends in flight. */
  stop(): Promise<void>;
}

/**
 * The digest tick on a node-cron schedule (UTC; each subscriber's own zone is
 * applied inside the tick). noOverlap: a tick still sending when the next
 * one is due makes the next one skip, never run beside it. A failed tick is
 * logged; the next one tries again.
 */
export function startDigestJob({
  schedule,
  digests,
  logger,
  clock = () => new Date(),
}: {
  schedule: string | null;
  digests: DigestService;
  logger: Logger;
  clock?: () => Date;
}): DigestJob {
  let stopped = false;
  const run = async (): Promise<RunSummary | null> => {
    if (stopped) return null;
    try {
      return await digests.run({ now: clock() });
    } catch (err) {
      logger.error({ err }, 'digest run failed; the next run tries again');
      return null;
    }
  };
  const task =
    schedule === null
      ? null
      : cron.schedule(schedule, run, {
          name: 'digest',
          timezone: 'UTC',
          noOverlap: true,
          logger: cronLogger(logger, 'digest'),
        });
  return {
    run,
    async stop() {
      stopped = true;
      await task?.destroy();
      await digests.stop();
    },
  };
}
