import cron from 'node-cron';
import { cronLogger, type Logger } from '../logger.js';
import { describePrune, type PruneService } from './prune.service.js';

/**
 * Prunes on a node-cron schedule (UTC). A failure is logged; the next run
 * tries again. `stop` ends a prune in progress at its next window and waits
 * for it, so the database is never closed under it.
 */
export function startPruneJob({ schedule, prune, logger, clock = () => new Date() }: { schedule: string | null; prune: PruneService; logger: Logger; clock?: () => Date }) {
  const stopping = new AbortController();
  let running: Promise<void> | null = null;
  const work = async () => {
    try {
      const result = await prune.prune({ now: clock(), dryRun: false, signal: stopping.signal });
      logger.info(result, `pruned ${describePrune(result)}`);
    } catch (err) {
      logger.error({ err }, 'prune failed; the next run tries again');
    } finally {
      running = null;
    }
  };
  // A run asked for while one is under way joins it.
  const run = (): Promise<void> => (stopping.signal.aborted ? Promise.resolve() : (running ??= work()));
  const task = schedule === null ? null : cron.schedule(schedule, run, { name: 'prune', timezone: 'UTC', noOverlap: true, logger: cronLogger(logger, 'prune') });
  return {
    run,
    async stop() {
      stopping.abort();
      await task?.destroy();
      await running;
    },
  };
}
