/**
 * The one builder of worlds that the tests, the drills and the benchmark
 * share: a real SQLite file with the real migrations, papers stored through
 * the real ingest, and subscribers who got there as a visitor does: their
 * preferences pass the form's own validation, the subscriber repository
 * inserts them pending, and the guarded transition that a confirm link runs
 * makes them active. Nothing here writes SQL of its own, so a change to how
 * the app stores a subscriber reaches every world at once.
 *
 * It imports only src and node: scripts and the benchmark run it outside
 * vitest, so removing what it made is the caller's job (`remove()`), or
 * test/helpers' when it passes a folder it cleans up itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../src/db/connection.js';
import { migrate } from '../../src/db/migrate.js';
import { DeliveryRepository } from '../../src/digest/delivery.repository.js';
import { ledgerDueClock } from '../../src/digest/due-time.js';
import { ingestPapers } from '../../src/papers/ingest.js';
import type { PaperInput } from '../../src/papers/paper.js';
import { PaperRepository } from '../../src/papers/paper.repository.js';
import { SubscriberRepository } from '../../src/subscriptions/subscriber.repository.js';
import type { Frequency, Preferences, Subscriber } from '../../src/subscriptions/subscriber.js';
import { preferencesSchema } from '../../src/subscriptions/subscription.schema.js';

/** What a reader asked for, in the form's terms; everything but the address and topics has the form's default. */
export interface SubscriberSpec {
  email: string;
  /** One topic per entry, as typed on the form. */
  topics: string[];
  timezone?: string;
  sendHour?: number;
  frequency?: Frequency;
  /** Weekly digests only; Monday unless given. */
  weekday?: number | null;
  /** When they subscribed and confirmed (ISO); the start of 2026 unless given. */
  subscribedAt?: string;
}

const SUBSCRIBED_AT = '2026-01-01T00:00:00.000Z';
/** When storePapers' papers arrive unless told: the day before the tests' usual digest day. */
const STORED_AT = new Date('2026-11-26T00:00:00Z');

/**
 * The preferences the subscribe form would store for `spec`. Going through
 * its schema means a world never holds a subscriber the app would refuse,
 * and topics and zones are spelled as the app spells them (a zone by its
 * canonical name, a topic line normalized and keyed by the topic grammar).
 */
export function subscriberPreferences(spec: SubscriberSpec): Preferences {
  const frequency = spec.frequency ?? 'daily';
  return preferencesSchema.parse({
    topics: spec.topics,
    frequency,
    weekday: frequency === 'weekly' ? (spec.weekday ?? 1) : undefined,
    send_hour: spec.sendHour ?? 8,
    timezone: spec.timezone ?? 'UTC',
  });
}

/** Inserts and confirms through one repository, so a bulk load prepares its statements once. */
function subscriberWriter(db: Db) {
  const repo = new SubscriberRepository(db, ledgerDueClock(new DeliveryRepository(db)));
  const add = (spec: SubscriberSpec): number => {
    const at = spec.subscribedAt ?? SUBSCRIBED_AT;
    const { id } = repo.insertPending(spec.email, subscriberPreferences(spec), at);
    // The transition SubscriptionService.confirm makes when the link is followed.
    if (!repo.transition(id, ['pending'], 'active', at)) throw new Error(`${spec.email} could not be confirmed`);
    return id;
  };
  return { repo, add };
}

/** One active subscriber, as if they had subscribed and followed their confirmation link. */
export function addSubscriber(db: Db, spec: SubscriberSpec): Subscriber {
  const { repo, add } = subscriberWriter(db);
  return repo.findById(add(spec))!;
}

/**
 * Many active subscribers in one transaction around the repository's own
 * insert and confirm transition (the benchmark adds 100,000; one transaction
 * each would measure the disk, not the app). Returns their ids in order.
 */
export function addSubscribers(db: Db, specs: Iterable<SubscriberSpec>): number[] {
  const { add } = subscriberWriter(db);
  return db.transaction(() => Array.from(specs, add))();
}

/** Stores papers through the real ingest, as an ingest run at `at` would; a rejected paper is a broken fixture. */
export function storePapers(db: Db, papers: readonly PaperInput[], at: Date = STORED_AT): void {
  const repo = new PaperRepository(db);
  const result = ingestPapers(repo, papers, at);
  if (result.rejected.length > 0) throw new Error(`papers rejected: ${JSON.stringify(result.rejected)}`);
  // As the end of an ingest run does.
  repo.mergeSearchIndex();
}

export interface World {
  dir: string;
  /** The SQLite file, for a child process (the CLI, the server) to open. */
  file: string;
  db: Db;
  /** Closes the database and deletes the folder. */
  remove(): void;
}

export interface WorldOptions {
  /** A folder the caller cleans up; by default a new one under the system temp folder. */
  dir?: string;
  /** The file's name in that folder. */
  name?: string;
  papers?: readonly PaperInput[];
  /** When the papers were stored. */
  papersAt?: Date;
  subscribers?: Iterable<SubscriberSpec>;
}

/** A real SQLite file with the real migrations, holding `papers` and `subscribers`. */
export function createWorld({ dir, name = 'paperboy.db', papers = [], papersAt, subscribers = [] }: WorldOptions = {}): World {
  const folder = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-world-'));
  const file = path.join(folder, name);
  const db = openDatabase(file);
  const remove = () => {
    if (db.open) db.close();
    fs.rmSync(folder, { recursive: true, force: true });
  };
  try {
    migrate(db);
    if (papers.length > 0) storePapers(db, papers, papersAt);
    addSubscribers(db, subscribers);
    return { dir: folder, file, db, remove };
  } catch (err) {
    remove();
    throw err;
  }
}
