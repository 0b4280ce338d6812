import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connection.js';
import { DeliveryRepository } from '../../src/digest/delivery.repository.js';
import type { DigestComposer } from '../../src/digest/digest-composer.js';
import { DigestSender } from '../../src/digest/digest-sender.js';
import { silentLogger } from '../../src/logger.js';
import { HeaderInjectionError, type Mailer, type OutgoingEmail } from '../../src/mail/mailer.js';
import { SubscriberRepository } from '../../src/subscriptions/subscriber.repository.js';
import { paper } from '../helpers/papers.js';
import { storePapers, tempDb } from '../helpers/store.js';
import { addSubscriber } from '../kit/world.js';

// The sender over the real ledger, with a composer and a mailer written for
// the faults no real template or relay makes on demand.

const NOW = new Date('2026-11-27T08:00:00Z');

let db: Db;
let deliveries: DeliveryRepository;
let subscribers: SubscriberRepository;

/** What the fake relay does with mail for each address; absent means it takes it. */
type Reply = 'refused-connection' | 'header-injection';

function sender(replies: Record<string, Reply>, unrenderable: string[] = []) {
  const composer = {
    email(subscriber: { email: string }) {
      if (unrenderable.includes(subscriber.email)) throw new Error('the template lost a partial');
      return { to: subscriber.email, subject: 'Your digest', html: '<p>papers</p>', text: 'papers' };
    },
  } as unknown as DigestComposer;
  const mailer = {
    async send(email: OutgoingEmail) {
      const reply = replies[email.to];
      if (reply === 'refused-connection') throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2525'), { code: 'ECONNREFUSED' });
      if (reply === 'header-injection') throw new HeaderInjectionError('To must be one line');
      return { messageId: '<m@example.com>', response: '250 OK' };
    },
  } as unknown as Mailer;
  return new DigestSender({ deliveries, subscribers, composer, mailer, logger: silentLogger, owner: 'runner/1', concurrency: 1 });
}

/** Active readers, each with a digest planned and due now; returns their delivery ids by address. */
function planned(...emails: string[]): Map<string, number> {
  const [seq] = (db.prepare('SELECT seq FROM papers').all() as Array<{ seq: number }>).map((row) => row.seq);
  const ids = new Map<string, number>();
  for (const email of emails) {
    const { id } = addSubscriber(db, { email, topics: ['zebrafish'], subscribedAt: NOW.toISOString() });
    deliveries.insertPlans(
      [{ subscriberId: id, digestKey: '2026-11-27', messageId: `<${id}@example.com>`, content: { topics: ['zebrafish'], papers: [[seq!, 0]] }, shown: 1, matched: 1, watermark: seq! }],
      NOW.toISOString(),
    );
    ids.set(email, (db.prepare('SELECT id FROM deliveries WHERE subscriber_id = ?').get(id) as { id: number }).id);
  }
  return ids;
}

const statusOf = (id: number) => db.prepare('SELECT status, last_error FROM deliveries WHERE id = ?').get(id) as { status: string; last_error: string | null };

beforeEach(() => {
  ({ db } = tempDb());
  deliveries = new DeliveryRepository(db);
  subscribers = new SubscriberRepository(db);
  storePapers(db, [paper({ title: 'Zebrafish' })]);
});

describe('what the sender makes of each delivery', () => {
  it('counts a digest that cannot be rendered as failed for good, without calling it a hand-off to the relay', async () => {
    const ids = planned('broken@example.com', 'away@example.com');
    // The one hand-off could not connect; the unrenderable digest never reached the relay, so the relay is down.
    const counts = await sender({ 'away@example.com': 'refused-connection' }, ['broken@example.com']).sendDue(NOW);
    expect(counts).toEqual({ sent: 0, retried: 1, failed: 1, bounced: 0, cancelled: 0, relayDown: true, deferred: 0, relayRefusal: null, stopped: false });
    expect(statusOf(ids.get('broken@example.com')!)).toEqual({ status: 'failed', last_error: 'could not render: the template lost a partial' });
    expect(statusOf(ids.get('away@example.com')!)).toMatchObject({ status: 'pending' });
  });

  it('counts a message that can never be sent as failed, a hand-off the relay answered', async () => {
    const ids = planned('odd@example.com', 'away@example.com');
    const counts = await sender({ 'odd@example.com': 'header-injection', 'away@example.com': 'refused-connection' }).sendDue(NOW);
    // One of two hand-offs connected, so the relay is not taken to be down.
    expect(counts).toEqual({ sent: 0, retried: 1, failed: 1, bounced: 0, cancelled: 0, relayDown: false, deferred: 0, relayRefusal: null, stopped: false });
    expect(statusOf(ids.get('odd@example.com')!)).toEqual({ status: 'failed', last_error: 'To must be one line' });
  });

  it('cancels the digest of a reader who left after it was planned, and sends the rest', async () => {
    const ids = planned('gone@example.com', 'ada@example.com');
    const gone = (db.prepare('SELECT subscriber_id FROM deliveries WHERE id = ?').get(ids.get('gone@example.com')) as { subscriber_id: number }).subscriber_id;
    subscribers.transition(gone, ['active'], 'unsubscribed', NOW.toISOString());
    const counts = await sender({}).sendDue(NOW);
    expect(counts).toEqual({ sent: 1, retried: 0, failed: 0, bounced: 0, cancelled: 1, relayDown: false, deferred: 0, relayRefusal: null, stopped: false });
    expect(statusOf(ids.get('gone@example.com')!)).toEqual({ status: 'skipped', last_error: 'not sent: the subscriber is unsubscribed' });
    expect(statusOf(ids.get('ada@example.com')!)).toMatchObject({ status: 'sent' });
  });
});
