import type { PaperInput } from '../../src/papers/paper.js';
import { addSubscriber, storePapers, type SubscriberSpec } from '../kit/world.js';
import { testApp, type TestAppOptions } from './app.js';
import { type DataHook, startSmtpSink } from './smtp-sink.js';

/** The test kit's way to add an active subscriber: through the subscriber repository and the confirm transition. */
export { addSubscriber, type SubscriberSpec };

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
