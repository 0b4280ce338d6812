import type { Db } from '../../src/db/connection.js';
import type { PaperInput } from '../../src/papers/paper.js';
import { SubscriberRepository } from '../../src/subscriptions/subscriber.repository.js';
import type { Frequency, Subscriber } from '../../src/subscriptions/subscriber.js';
import { parseTopic } from '../../src/topics/topic-grammar.js';
import { testApp, type TestAppOptions } from './app.js';
import { type DataHook, startSmtpSink } from './smtp-sink.js';
import { storePapers } from './store.js';

export interface SubscriberSpec {
  email: string;
  topics: string[];
  timezone?: string;
  sendHour?: number;
  frequency?: Frequency;
  weekday?: number | null;
}

export interface DeliveryRow {
  id: number;
  subscriber_id: number;
  digest_key: string;
  status: string;
  message_id: string;
  shown: number;
  matched: number;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
}

/** An active subscriber written straight to the store, as if they had confirmed. */
export function addSubscriber(db: Db, spec: SubscriberSpec): Subscriber {
  const subscribers = new SubscriberRepository(db);
  const frequency = spec.frequency ?? 'daily';
  const prefs = {
    topics: spec.topics.map((text) => ({ text, key: parseTopic(text).key })),
    frequency,
    weekday: frequency === 'weekly' ? (spec.weekday ?? 1) : null,
    sendHour: spec.sendHour ?? 8,
    timezone: spec.timezone ?? 'UTC',
  };
  const created = subscribers.insertPending(spec.email, prefs, '2026-01-01T00:00:00.000Z');
  subscribers.transition(created.id, ['pending'], 'active', '2026-01-01T00:00:00.000Z');
  return subscribers.findById(created.id)!;
}

/**
 * The real app and services over a real SQLite file, sending through a real
 * SMTP server on 127.0.0.1: the digest pipeline as it runs in production,
 * with time given to each run.
 */
export async function digestWorld({ onData, env = {}, ...options }: TestAppOptions & { onData?: DataHook } = {}) {
  const sink = await startSmtpSink({ onData });
  const opened = await testApp({ seed: false, env: { SMTP_URL: sink.url, ...env }, ...options });
  const { services, db } = opened;

  return {
    ...opened,
    sink,
    subscribe: (spec: SubscriberSpec) => addSubscriber(db, spec),
    /** Stores papers as an ingest at `at` would. */
    addPapers: (papers: PaperInput[], at: string) => storePapers(db, papers, new Date(at)),
    /** One digest run (a scheduler tick) at `at`. */
    run: (at: string, dryRun = false) => services.digests.run({ now: new Date(at), dryRun }),
    ledger: (): DeliveryRow[] =>
      db
        .prepare(
          'SELECT id, subscriber_id, digest_key, status, message_id, shown, matched, attempts, next_attempt_at, last_error FROM deliveries ORDER BY id',
        )
        .all() as DeliveryRow[],
    /** The messages the SMTP server accepted for one address. */
    inbox: (email: string) => sink.received.filter((mail) => mail.envelopeTo.includes(email)),
  };
}

export type DigestWorld = Awaited<ReturnType<typeof digestWorld>>;
