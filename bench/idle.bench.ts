/**
 * A tick with nobody due, at two sizes: it should cost what reading nobody
 * costs, however many subscribers there are. Run in this process through
 * the app's own services, so a tick of a few milliseconds is timed without
 * a process start around it.
 */
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/connection.js';
import { silentLogger } from '../src/logger.js';
import { createServices } from '../src/services.js';
import { RUN_AT } from '../test/kit/synthetic.js';
import { benchEnv } from './digest.bench.js';
import type { Sink } from './smtp-sink.js';
import type { World } from './synthetic.js';

/** 06:00 UTC on RUN_AT's day: before 23:00 local in every synthetic zone, so a world sending at 23:00 has nobody due. */
export const IDLE_AT = new Date(Date.UTC(RUN_AT.getUTCFullYear(), RUN_AT.getUTCMonth(), RUN_AT.getUTCDate(), 6));
const TICKS = 7;
const TICK_EVERY_MS = 60_000;

export interface IdleFigures {
  /** The median of the idle ticks, in seconds. */
  seconds: number;
  /** The first tick, which reads everyone once (none had a digest) and stores when each is due. */
  firstSeconds: number;
}

export async function idleTick(sink: Sink, world: World): Promise<IdleFigures> {
  const db = openDatabase(world.file);
  const services = await createServices(db, loadConfig(benchEnv(world, sink)), { logger: silentLogger });
  try {
    const first = await services.digests.run({ now: IDLE_AT });
    const times: number[] = [];
    for (let tick = 1; tick <= TICKS; tick += 1) {
      const started = performance.now();
      const summary = await services.digests.run({ now: new Date(IDLE_AT.getTime() + tick * TICK_EVERY_MS) });
      times.push((performance.now() - started) / 1000);
      if (summary.due !== 0 || first.due !== 0) throw new Error(`an idle tick found ${summary.due || first.due} due: the idle world is wrong`);
    }
    times.sort((a, b) => a - b);
    return { seconds: times[Math.floor(times.length / 2)]!, firstSeconds: first.seconds };
  } finally {
    await services.close();
    db.close();
  }
}
