import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connection.js';
import { DeliveryRepository, type Delivery, type PlannedDelivery } from '../../src/digest/delivery.repository.js';
import { DigestPlanner, RunMatches } from '../../src/digest/digest-planner.js';
import { silentLogger } from '../../src/logger.js';
import { PaperRepository } from '../../src/papers/paper.repository.js';
import { SubscriberRepository } from '../../src/subscriptions/subscriber.repository.js';
import type { Subscriber } from '../../src/subscriptions/subscriber.js';
import { parseTopic } from '../../src/topics/topic-grammar.js';
import { TopicMatcher } from '../../src/topics/topic-matcher.js';
import { paper } from '../helpers/papers.js';
import { storePapers, tempDb } from '../helpers/store.js';

// The ledger on a real SQLite file with the real migrations. Everything is
// built in beforeEach, never while the module loads.

const T0 = '2026-11-27T08:00:00.000Z';
const T1 = '2026-11-27T08:05:00.000Z';
const T2 = '2026-11-27T08:10:00.000Z';

let db: Db;
let ledger: DeliveryRepository;
let adaSubscriber: Subscriber;
let ada: number;
let bob: number;
/** Stored papers' row numbers, oldest first. */
let seqs: number[];

interface Row {
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  claimed_by: string | null;
  claimed_at: string | null;
  sent_at: string | null;
  updated_at: string;
}

const row = (id: number) => db.prepare('SELECT * FROM deliveries WHERE id = ?').get(id) as Row;
const idOf = (subscriberId: number, digestKey: string) =>
  (db.prepare('SELECT id FROM deliveries WHERE subscriber_id = ? AND digest_key = ?').get(subscriberId, digestKey) as { id: number }).id;
const sentRows = () => db.prepare('SELECT subscriber_id, paper_seq, delivery_id FROM sent_papers ORDER BY subscriber_id, paper_seq').all();

function plan(subscriberId: number, digestKey: string, overrides: Partial<PlannedDelivery> = {}): PlannedDelivery {
  return {
    subscriberId,
    digestKey,
    messageId: `<${subscriberId}.${digestKey}@example.com>`,
    content: { topics: ['zebrafish', 'gene editing'], papers: [[seqs[0]!, 0], [seqs[1]!, 1, 0], [seqs[2]!, 0]] },
    shown: 2,
    matched: 7,
    watermark: seqs[2]!,
    ...overrides,
  };
}

/** An active daily reader of one topic. (Not the app-wide helper: this file stays light to load, as mutation testing loads it per mutant.) */
function addSubscriber(email: string): Subscriber {
  const subscribers = new SubscriberRepository(db);
  const prefs = { topics: [{ text: 'zebrafish', key: parseTopic('zebrafish').key }], frequency: 'daily' as const, weekday: null, sendHour: 8, timezone: 'UTC' };
  const { id } = subscribers.insertPending(email, prefs, T0);
  subscribers.transition(id, ['pending'], 'active', T0);
  return subscribers.findById(id)!;
}

/** Plans and claims one digest, as a runner would before handing it over. */
function claimed(subscriberId: number, digestKey: string, owner = 'runner/1', overrides: Partial<PlannedDelivery> = {}): Delivery {
  ledger.insertPlans([plan(subscriberId, digestKey, overrides)], T0);
  const [delivery] = ledger.claim(owner, T0, 10);
  if (!delivery) throw new Error('nothing was claimed');
  return delivery;
}

/** What the sender does for an email the relay accepted, then at the end of its batch. */
function sendAll(deliveries: readonly Delivery[], owner: string, at: string): number {
  for (const delivery of deliveries) ledger.accept(delivery.id, at);
  return ledger.foldAccepted(owner, at);
}

const acceptances = () => db.prepare('SELECT delivery_id, accepted_at FROM delivery_acceptances ORDER BY delivery_id').all();

beforeEach(() => {
  ({ db } = tempDb());
  ledger = new DeliveryRepository(db);
  adaSubscriber = addSubscriber('ada@example.com');
  ada = adaSubscriber.id;
  bob = addSubscriber('bob@example.com').id;
  storePapers(db, [paper({ title: 'Zebrafish one' }), paper({ title: 'Zebrafish two' }), paper({ title: 'Zebrafish three' })]);
  seqs = (db.prepare('SELECT seq FROM papers ORDER BY seq').all() as Array<{ seq: number }>).map(({ seq }) => seq);
});

describe('planning into the ledger', () => {
  it('writes a digest with papers as pending and due now, and one without as skipped and never due', () => {
    expect(ledger.insertPlans([plan(ada, '2026-11-27'), plan(bob, '2026-11-27', { shown: 0, content: { topics: [], papers: [] } })], T0)).toBe(2);
    const adas = row(idOf(ada, '2026-11-27'));
    expect(adas).toMatchObject({ status: 'pending', attempts: 0, next_attempt_at: T0, updated_at: T0, claimed_by: null, sent_at: null });
    expect(row(idOf(bob, '2026-11-27'))).toMatchObject({ status: 'skipped', next_attempt_at: null });
    expect(ledger.countReady(T0)).toBe(1);
  });

  it('keeps the first plan for a key and counts only new rows', () => {
    ledger.insertPlans([plan(ada, '2026-11-27')], T0);
    expect(ledger.insertPlans([plan(ada, '2026-11-27', { matched: 99, messageId: '<other@example.com>' }), plan(ada, '2026-11-28')], T1)).toBe(1);
    const first = ledger.findForSubscriber(idOf(ada, '2026-11-27'), ada)!;
    expect(first).toMatchObject({ matched: 7, messageId: `<${ada}.2026-11-27@example.com>`, plannedAt: T0 });
  });

  it('reads a delivery back exactly as planned, for its own subscriber only', () => {
    ledger.insertPlans([plan(ada, '2026-11-27')], T0);
    const id = idOf(ada, '2026-11-27');
    expect(ledger.findForSubscriber(id, ada)).toEqual({
      ...plan(ada, '2026-11-27'),
      id,
      status: 'pending',
      plannedAt: T0,
      attempts: 0,
      nextAttemptAt: T0,
      lastError: null,
      sentAt: null,
    });
    expect(ledger.findForSubscriber(id, bob)).toBeNull();
  });

  it('tells, per subscriber, whether the key is planned and where the last digest (not a failed one) ended', () => {
    expect(ledger.ledgerStates([])).toEqual(new Map());
    ledger.insertPlans([plan(ada, '2026-11-26', { watermark: 2 }), plan(ada, '2026-11-27', { watermark: 3 })], T0);
    ledger.insertPlans([plan(bob, '2026-11-25', { watermark: 4 }), plan(bob, '2026-11-26', { watermark: 9 })], T0);
    const gaveUp = idOf(bob, '2026-11-26');
    db.prepare("UPDATE deliveries SET status = 'failed' WHERE id = ?").run(gaveUp);
    const states = ledger.ledgerStates([
      { subscriberId: ada, digestKey: '2026-11-27' },
      { subscriberId: bob, digestKey: '2026-11-27' },
    ]);
    expect(states).toEqual(
      new Map([
        [ada, { planned: true, watermark: 3 }],
        [bob, { planned: false, watermark: 4 }],
      ]),
    );
    const carol = addSubscriber('carol@example.com').id;
    expect(ledger.ledgerStates([{ subscriberId: carol, digestKey: '2026-11-27' }]).get(carol)).toEqual({ planned: false, watermark: null });
  });
});

describe('claiming', () => {
  it('claims due rows oldest first, up to the limit, and counts each claim as an attempt', () => {
    ledger.insertPlans([plan(ada, '2026-11-27')], T1);
    ledger.insertPlans([plan(bob, '2026-11-27')], T0);
    ledger.insertPlans([plan(ada, '2026-11-28')], T2);
    expect(ledger.countReady(T1)).toBe(2);

    const [first, ...rest] = ledger.claim('runner/1', T1, 1);
    expect(rest).toEqual([]);
    expect(first).toMatchObject({ subscriberId: bob, status: 'sending', attempts: 1 });
    expect(row(first!.id)).toMatchObject({ status: 'sending', claimed_by: 'runner/1', claimed_at: T1, updated_at: T1, attempts: 1 });
    // Due at exactly T1 counts; the one due at T2 waits.
    expect(ledger.claim('runner/2', T1, 10).map((delivery) => delivery.digestKey)).toEqual(['2026-11-27']);
    expect(ledger.claim('runner/2', T1, 10)).toEqual([]);
    expect(ledger.countReady(T1)).toBe(0);
    expect(ledger.countReady(T2)).toBe(1);
  });

  it('breaks a tie in due time by id', () => {
    ledger.insertPlans([plan(bob, '2026-11-27'), plan(ada, '2026-11-27')], T0);
    expect(ledger.claim('runner/1', T0, 10).map((delivery) => delivery.subscriberId)).toEqual([bob, ada]);
  });

  it('lists who holds claims and since when', () => {
    claimed(ada, '2026-11-27', 'runner/1');
    ledger.insertPlans([plan(bob, '2026-11-27')], T0);
    ledger.claim('runner/2', T1, 10);
    expect(ledger.claims().sort((a, b) => a.owner.localeCompare(b.owner))).toEqual([
      { owner: 'runner/1', claimedAt: T0 },
      { owner: 'runner/2', claimedAt: T1 },
    ]);
  });

  it("hands an abandoned runner's rows back, due now, with the attempt returned", () => {
    const mine = claimed(ada, '2026-11-27', 'dead/1');
    ledger.insertPlans([plan(bob, '2026-11-27')], T0);
    const theirs = ledger.claim('alive/2', T0, 10)[0]!;
    expect(ledger.releaseAbandoned('dead/1', T2)).toBe(1);
    expect(row(mine.id)).toMatchObject({ status: 'pending', claimed_by: null, attempts: 0, next_attempt_at: T2, updated_at: T2 });
    expect(row(theirs.id)).toMatchObject({ status: 'sending', claimed_by: 'alive/2', attempts: 1 });
    expect(ledger.releaseAbandoned('dead/1', T2)).toBe(0);
  });

  it('never takes an attempt below zero when handing back', () => {
    const delivery = claimed(ada, '2026-11-27', 'dead/1');
    db.prepare('UPDATE deliveries SET attempts = 0 WHERE id = ?').run(delivery.id);
    ledger.releaseAbandoned('dead/1', T1);
    expect(row(delivery.id).attempts).toBe(0);
  });

  it('unclaims only the listed rows of its own owner, as if never claimed', () => {
    ledger.insertPlans([plan(ada, '2026-11-27'), plan(bob, '2026-11-27')], T0);
    const [first, second] = ledger.claim('runner/1', T0, 10);
    ledger.unclaim('runner/2', [first!.id], T1);
    expect(row(first!.id)).toMatchObject({ status: 'sending', attempts: 1 });
    ledger.unclaim('runner/1', [], T1);
    ledger.unclaim('runner/1', [first!.id], T1);
    expect(row(first!.id)).toMatchObject({ status: 'pending', claimed_by: null, attempts: 0, next_attempt_at: T0, updated_at: T1 });
    expect(row(second!.id)).toMatchObject({ status: 'sending', attempts: 1 });
  });
});

describe('ending a claim', () => {
  it('marks sent with its time and records exactly the papers the email showed', () => {
    const delivery = claimed(ada, '2026-11-27');
    expect(ledger.foldAccepted('runner/1', T1)).toBe(0);
    expect(sendAll([delivery], 'runner/1', T1)).toBe(1);
    expect(acceptances()).toEqual([]);
    expect(row(delivery.id)).toMatchObject({ status: 'sent', sent_at: T1, updated_at: T1, claimed_by: null, next_attempt_at: null, last_error: null });
    expect(sentRows()).toEqual([
      { subscriber_id: ada, paper_seq: seqs[0], delivery_id: delivery.id },
      { subscriber_id: ada, paper_seq: seqs[1], delivery_id: delivery.id },
    ]);
  });

  it("records no papers for a row it no longer holds", () => {
    const delivery = claimed(ada, '2026-11-27', 'runner/1');
    expect(sendAll([delivery], 'runner/2', T1)).toBe(0);
    expect(row(delivery.id)).toMatchObject({ status: 'sending', claimed_by: 'runner/1' });
    expect(sentRows()).toEqual([]);
    // The acceptance stays until the row's holder folds it.
    expect(acceptances()).toEqual([{ delivery_id: delivery.id, accepted_at: T1 }]);
    expect(ledger.foldAccepted('runner/1', T2)).toBe(1);
    expect(row(delivery.id)).toMatchObject({ status: 'sent', sent_at: T1, updated_at: T2 });
  });

  it("folds a dead runner's acceptances into the ledger before its other claims go back, so only those in flight are resent", () => {
    ledger.insertPlans([plan(ada, '2026-11-27'), plan(bob, '2026-11-27')], T0);
    const [accepted, inFlight] = ledger.claim('dead/1', T0, 10);
    ledger.accept(accepted!.id, T1);
    // Recovery, as the next run does it.
    expect(ledger.foldAccepted('dead/1', T2)).toBe(1);
    expect(ledger.releaseAbandoned('dead/1', T2)).toBe(1);
    expect(row(accepted!.id)).toMatchObject({ status: 'sent', sent_at: T1, claimed_by: null });
    expect(row(inFlight!.id)).toMatchObject({ status: 'pending', claimed_by: null });
    expect(sentRows()).toEqual([
      { subscriber_id: ada, paper_seq: seqs[0], delivery_id: accepted!.id },
      { subscriber_id: ada, paper_seq: seqs[1], delivery_id: accepted!.id },
    ]);
    expect(acceptances()).toEqual([]);
    expect(ledger.claim('next/2', T2, 10).map((delivery) => delivery.id)).toEqual([inFlight!.id]);
  });

  it('finishes a held row with its reason, and reports a row it does not hold as unchanged', () => {
    const delivery = claimed(ada, '2026-11-27', 'runner/1');
    expect(ledger.finish(delivery.id, 'runner/2', 'failed', 'not mine', T1)).toBe(false);
    expect(row(delivery.id)).toMatchObject({ status: 'sending', last_error: null });
    expect(ledger.finish(delivery.id, 'runner/1', 'bounced', '550 no such user', T1)).toBe(true);
    expect(row(delivery.id)).toMatchObject({ status: 'bounced', last_error: '550 no such user', sent_at: null, claimed_by: null, next_attempt_at: null, updated_at: T1 });
    // Already finished: a second runner's late answer changes nothing.
    expect(ledger.finish(delivery.id, 'runner/1', 'failed', 'late', T2)).toBe(false);
    expect(row(delivery.id)).toMatchObject({ status: 'bounced', last_error: '550 no such user' });
  });

  it('puts a held row back for a later attempt, and reports a row it does not hold as unchanged', () => {
    const delivery = claimed(ada, '2026-11-27', 'runner/1');
    expect(ledger.retry(delivery.id, 'runner/2', '421 busy', T2, T1)).toBe(false);
    expect(row(delivery.id)).toMatchObject({ status: 'sending', next_attempt_at: T0 });
    expect(ledger.retry(delivery.id, 'runner/1', '421 busy', T2, T1)).toBe(true);
    expect(row(delivery.id)).toMatchObject({ status: 'pending', last_error: '421 busy', next_attempt_at: T2, claimed_by: null, attempts: 1, updated_at: T1 });
    expect(ledger.retry(delivery.id, 'runner/1', 'again', T2, T1)).toBe(false);
    expect(ledger.countReady(T1)).toBe(0);
    expect(ledger.countReady(T2)).toBe(1);
  });

  it('changes a delivery and another table together or not at all', () => {
    const delivery = claimed(ada, '2026-11-27');
    expect(ledger.atomically(() => 42)).toBe(42);
    expect(() =>
      ledger.atomically(() => {
        ledger.finish(delivery.id, 'runner/1', 'bounced', '550', T1);
        throw new Error('the subscriber update failed');
      }),
    ).toThrow('the subscriber update failed');
    expect(row(delivery.id).status).toBe('sending');
  });
});

describe('the sent-papers ledger', () => {
  it('returns, per subscriber asked about, the papers sent from a row number on', () => {
    expect(ledger.sentPapers([], 0)).toEqual(new Map());
    sendAll([claimed(ada, '2026-11-27', 'runner/1', { shown: 3 })], 'runner/1', T1);
    sendAll([claimed(bob, '2026-11-27', 'runner/1', { shown: 1 })], 'runner/1', T1);
    expect(ledger.sentPapers([ada, bob], seqs[1]!)).toEqual(new Map([[ada, new Set([seqs[1], seqs[2]])]]));
    expect(ledger.sentPapers([bob], seqs[0]!)).toEqual(new Map([[bob, new Set([seqs[0]])]]));
  });

  it('keeps the planner from resending a paper recorded as sent above the watermark', () => {
    // Ada's last digest ended at the first paper; the two after it are new to her.
    sendAll([claimed(ada, '2026-11-26', 'runner/1', { watermark: seqs[0]!, shown: 1, content: { topics: ['zebrafish'], papers: [[seqs[0]!, 0]] } })], 'runner/1', T0);
    // The second paper is on record as sent to her all the same (a row the watermark does not explain).
    db.prepare('INSERT INTO sent_papers (subscriber_id, paper_seq, delivery_id) VALUES (?, ?, ?)').run(ada, seqs[1], idOf(ada, '2026-11-26'));

    const papers = new PaperRepository(db);
    const now = new Date('2026-11-27T09:00:00Z');
    const run = new RunMatches(new TopicMatcher(db), papers, silentLogger, now, papers.maxSeq());
    const planner = new DigestPlanner({ deliveries: ledger, maxPapers: 10, messageId: (id, key) => `<${id}.${key}@example.com>` });
    const topics = new SubscriberRepository(db).topicsFor([ada]);
    const [planned] = planner.plan([{ subscriber: adaSubscriber, digestKey: '2026-11-27' }], topics, run);
    expect(planned!.content.papers.map(([seq]) => seq)).toEqual([seqs[2]]);
  });

  it('claims through the rows it takes, never by reading every pending row (a claim per batch, a hundred thousand pending)', () => {
    // The statement as the repository prepared it; its plan is SQLite's, on the real migrations.
    const claim = (ledger as unknown as { claimRows: { source: string } }).claimRows.source;
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${claim}`).all({ owner: 'runner/1', now: T0, limit: 20 }) as Array<{ parent: number; detail: string }>;
    const outer = plan.filter((step) => step.parent === 0 && /deliveries/.test(step.detail));
    expect(outer.map((step) => step.detail)).toEqual(['SEARCH deliveries USING INTEGER PRIMARY KEY (rowid=?)']);
    // The pick itself walks the due index in order, and stops at the limit.
    expect(plan.some((step) => /deliveries_due \(status=\? AND next_attempt_at<\?\)/.test(step.detail))).toBe(true);
  });
});
