/** The benchmark's world: the test kit's synthetic papers and readers in a file the built CLI opens. */
import type { Db } from '../src/db/connection.js';
import type { Preferences } from '../src/subscriptions/subscriber.js';
import { eachSyntheticReader, RUN_AT, syntheticPapers, syntheticTopics } from '../test/kit/synthetic.js';
import { addSubscribers, createWorld, subscriberPreferences, type SubscriberSpec } from '../test/kit/world.js';

export interface World {
  dir: string;
  file: string;
  close(): void;
}

export interface WorldOptions {
  subscribers: number;
  papers: number;
  topics: number;
  /** Everyone's local send hour: 8 makes all due at RUN_AT, 23 nobody in RUN_AT's early morning. */
  sendHour?: number;
}

/**
 * A database file with the real migrations, `subscribers` readers and
 * `papers` new papers stored an hour before the kit's RUN_AT.
 */
export function buildWorld({ subscribers, papers, topics, sendHour = 8 }: WorldOptions): World {
  const world = createWorld({
    name: 'bench.db',
    papers: syntheticPapers(papers),
    papersAt: new Date(RUN_AT.getTime() - 3_600_000),
  });
  try {
    addReaders(world.db, eachSyntheticReader(subscribers, syntheticTopics(topics), { sendHour }));
  } catch (err) {
    world.remove();
    throw err;
  }
  world.db.close();
  return { dir: world.dir, file: world.file, close: world.remove };
}

/**
 * Adds active readers in one transaction. The repository's path (the form's
 * validation, the insert, the confirm transition) costs about a millisecond
 * a reader here: a million would take longer than the run they are for. So
 * the first reader goes through it (the kit's addSubscribers), and every
 * other row copies that row's columns, with each reader's own schedule and
 * topics as the form's schema spells them (worked out once per distinct
 * value), by prepared statements. test/integration/bench-world.test.ts
 * checks the copies equal what the repository writes.
 */
export function addReaders(db: Db, specs: Iterable<SubscriberSpec>): void {
  const iterator = specs[Symbol.iterator]();
  const first = iterator.next();
  if (first.done) return;
  db.transaction(() => {
    const [id] = addSubscribers(db, [first.value]);
    const insertReader = db.prepare<[Record<string, string | number | null>]>(`
      INSERT INTO subscribers (email, status, frequency, weekday, send_hour, timezone, token_version, created_at, updated_at,
        confirmed_at, next_due_at)
      SELECT @email, status, @frequency, @weekday, @send_hour, @timezone, token_version, @at, @at, @at, next_due_at
      FROM subscribers WHERE id = @template`);
    const insertTopic = db.prepare<[number | bigint, number, string, string]>(
      'INSERT INTO subscriber_topics (subscriber_id, position, text, key) VALUES (?, ?, ?, ?)',
    );
    const schedules = new Map<string, Preferences>();
    const topics = new Map<string, Preferences['topics'][number]>();
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      const spec = next.value;
      const shape = `${spec.timezone}|${spec.sendHour}|${spec.frequency}|${spec.weekday}`;
      let schedule = schedules.get(shape);
      if (!schedule) schedules.set(shape, (schedule = subscriberPreferences({ ...spec, topics: spec.topics.slice(0, 1) })));
      const { lastInsertRowid } = insertReader.run({
        template: id!,
        email: spec.email,
        frequency: schedule.frequency,
        weekday: schedule.weekday,
        send_hour: schedule.sendHour,
        timezone: schedule.timezone,
        at: spec.subscribedAt ?? '2026-01-01T00:00:00.000Z',
      });
      spec.topics.forEach((text, position) => {
        let topic = topics.get(text);
        if (!topic) topics.set(text, (topic = subscriberPreferences({ ...spec, topics: [text] }).topics[0]!));
        insertTopic.run(lastInsertRowid, position, topic.text, topic.key);
      });
    }
  })();
}
