import cron from 'node-cron';
import { cronLogger, type Logger } from '../logger.js';
import { describePrune, type PruneService } from './prune.service.js';

/** Prunes on a node-cron schedule (UTC). A failure is logged; the next run tries again. */
export function startPruneJob({ schedule, prune, logger, clock = () => new Date() }: { schedule: string | null; prune: PruneService; logger: Logger; clock?: () => Date }) {
  const run = async () => {
    try {
      const result = await prune.prune({ now: clock(), dryRun: false });
      logger.info(result, `pruned ${describePrune(result)}`);
    } catch (err) {
      logger.error({ err }, 'prune failed; the next run tries again');
    }
  };
  const task = schedule === null ? null : cron.schedule(schedule, run, { name: 'prune', timezone: 'UTC', noOverlap: true, logger: cronLogger(logger, 'prune') });
  return {
    run,
    async stop() {
      await task?.destroy();
    },
  };
}
