/** The benchmark's world: the test kit's synthetic papers and readers in a file the built CLI opens. */
import { RUN_AT, syntheticPapers, syntheticReaders, syntheticTopics } from '../test/kit/synthetic.js';
import { createWorld } from '../test/kit/world.js';

export interface World {
  dir: string;
  file: string;
  close(): void;
}

/**
 * A database file with the real migrations, `subscribers` due at the kit's RUN_AT and
 * `papers` new papers stored an hour before it. Readers are added in one
 * transaction around the subscriber repository's insert and confirm
 * transition, the app's own code for each row.
 */
export function buildWorld({ subscribers, papers, topics }: { subscribers: number; papers: number; topics: number }): World {
  const world = createWorld({
    name: 'bench.db',
    papers: syntheticPapers(papers),
    papersAt: new Date(RUN_AT.getTime() - 3_600_000),
    subscribers: syntheticReaders(subscribers, syntheticTopics(topics)),
  });
  world.db.close();
  return { dir: world.dir, file: world.file, close: world.remove };
}
