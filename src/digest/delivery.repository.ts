import type { Db } from '../db/connection.js';
import { writeTransaction } from '../db/write-transaction.js';
import type { Claim } from '../db/claims.js';
import { idSpanStatement, type IdWindow } from '../db/id-window.js';
import type { LastDigest } from './due-time.js';

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'skipped' | 'failed' | 'bounced';

/** What a digest holds, frozen when it is planned. */
export interface DigestContent {
  /** The subscriber's topics (as typed) when the digest was planned. */
  topics: string[];
  /** Ranked best first: a paper's row number, then the indexes in `topics` of the topics that matched it, best first. */
  papers: Array<[seq: number, ...topics: number[]]>;
  /** For papers the reader's model raised: the paper they marked "more like this" that each is most like. */
  likes?: Array<[seq: number, liked: number]>;
  /** "You may also like": papers outside the topics the model scored highest, each with the marked paper it is like (0 for none). Always shown in the email. */
  also?: Array<[seq: number, liked: number]>;
}

/** A digest the planner decided on, before it is written to the ledger. */
export interface PlannedDelivery {
  subscriberId: number;
  digestKey: string;
  messageId: string;
  content: DigestContent;
  /** How many of `content.papers` the email shows. */
  shown: number;
  /** Every paper that matched, including those `content` leaves out. */
  matched: number;
  watermark: number;
}

export interface Delivery extends PlannedDelivery {
  id: number;
  status: DeliveryStatus;
  plannedAt: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  sentAt: string | null;
}

interface DeliveryRow {
  id: number;
  subscriber_id: number;
  digest_key: string;
  status: DeliveryStatus;
  message_id: string;
  content: string;
  shown: number;
  matched: number;
  watermark: number;
  planned_at: string;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  sent_at: string | null;
}

const COLUMNS = `id, subscriber_id, digest_key, status, message_id, content, shown, matched, watermark, planned_at,
  attempts, next_attempt_at, last_error, sent_at`;

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    subscriberId: row.subscriber_id,
    digestKey: row.digest_key,
    status: row.status,
    messageId: row.message_id,
    content: JSON.parse(row.content) as DigestContent,
    shown: row.shown,
    matched: row.matched,
    watermark: row.watermark,
    plannedAt: row.planned_at,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    sentAt: row.sent_at,
  };
}

/** Where a subscriber stands in the ledger for one digest key. */
export interface LedgerState {
  /** A delivery for this key exists, whatever its status. */
  planned: boolean;
  /** The latest digest's watermark (a gave-up one aside), or null before the first. */
  watermark: number | null;
}

/**
 * The delivery ledger and the sent-papers ledger. Every status change is a
 * conditional UPDATE on the status it expects (and, for a claimed row, on
 * its owner), so two runners can never both act on one row.
 */
export class DeliveryRepository {
  private readonly states;
  private readonly sentRows;
  private readonly insertRow;
  private readonly claimsHeld;
  private readonly releaseOwner;
  private readonly claimRows;
  private readonly unclaimRows;
  private readonly finishRow;
  private readonly retryRow;
  private readonly acceptRow;
  private readonly foldPapers;
  private readonly foldRows;
  private readonly dropFolded;
  private readonly byIdFor;
  private readonly allFor;
  private readonly readyCount;
  private readonly readyRows;
  private readonly requeueRow;
  private readonly prunable;
  private readonly pruneRows;
  private readonly latestRow;
  private readonly span;

  constructor(private readonly db: Db) {
    // One query per batch. For each (id, key) pair, the UNIQUE (subscriber_id,
    // digest_key) index answers the first column and the (subscriber_id,
    // watermark) index the second, without reading anyone's history.
    this.states = db.prepare<[string], { id: number; planned: number; watermark: number | null }>(`
      SELECT pair.value ->> '$[0]' AS id,
             EXISTS (SELECT 1 FROM deliveries
                     WHERE subscriber_id = pair.value ->> '$[0]' AND digest_key = pair.value ->> '$[1]') AS planned,
             (SELECT watermark FROM deliveries WHERE subscriber_id = pair.value ->> '$[0]' AND status <> 'failed'
              ORDER BY watermark DESC LIMIT 1) AS watermark
      FROM json_each(?) AS pair`);
    this.sentRows = db.prepare<[string, number], { subscriber_id: number; paper_seq: number }>(`
      SELECT subscriber_id, paper_seq FROM sent_papers
      WHERE subscriber_id IN (SELECT value FROM json_each(?)) AND paper_seq >= ?`);
    // DO NOTHING: a row for the key already exists (another runner planned it), and that one stands.
    this.insertRow = db.prepare<[Record<string, string | number>]>(`
      INSERT INTO deliveries (subscriber_id, digest_key, status, message_id, content, shown, matched, watermark,
        planned_at, next_attempt_at, updated_at)
      VALUES (@subscriber_id, @digest_key, @status, @message_id, @content, @shown, @matched, @watermark,
        @now, CASE WHEN @status = 'pending' THEN @now END, @now)
      ON CONFLICT (subscriber_id, digest_key) DO NOTHING`);
    this.claimsHeld = db.prepare<[], Claim>(`
      SELECT claimed_by AS owner, min(claimed_at) AS claimedAt FROM deliveries WHERE status = 'sending' GROUP BY claimed_by`);
    // A crash is the runner's failure, not the relay's: the claim's attempt is handed back, so a runner
    // that keeps dying cannot use up a digest's retries or stretch its backoff.
    this.releaseOwner = db.prepare<[{ owner: string; now: string }]>(`
      UPDATE deliveries SET status = 'pending', claimed_by = NULL, attempts = max(attempts - 1, 0), next_attempt_at = @now, updated_at = @now
      WHERE status = 'sending' AND claimed_by = @owner`);
    // One statement picks and claims, so the pick and the claim cannot be split by another writer.
    // The outer `+status` keeps SQLite from answering it with the status index, which read every
    // pending row per claim (a hundred thousand at the start of a large run): the ids come from the
    // subquery, and each is looked up by rowid.
    this.claimRows = db.prepare<[{ owner: string; now: string; limit: number }], DeliveryRow>(`
      UPDATE deliveries SET status = 'sending', claimed_by = @owner, claimed_at = @now, attempts = attempts + 1, updated_at = @now
      WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= @now
                   ORDER BY next_attempt_at, id LIMIT @limit)
        AND +status = 'pending'
      RETURNING ${COLUMNS}`);
    // A claim that never reached the relay is handed back as if it had not been made.
    this.unclaimRows = db.prepare<[{ owner: string; ids: string; now: string }]>(`
      UPDATE deliveries SET status = 'pending', claimed_by = NULL, attempts = attempts - 1, updated_at = @now
      WHERE status = 'sending' AND claimed_by = @owner AND id IN (SELECT value FROM json_each(@ids))`);
    this.finishRow = db.prepare<[{ id: number; owner: string; status: DeliveryStatus; error: string | null; now: string }]>(`
      UPDATE deliveries SET status = @status, last_error = @error, next_attempt_at = NULL, claimed_by = NULL, updated_at = @now,
        sent_at = CASE WHEN @status = 'sent' THEN @now END
      WHERE id = @id AND status = 'sending' AND claimed_by = @owner`);
    this.retryRow = db.prepare<[{ id: number; owner: string; error: string; next: string; now: string }]>(`
      UPDATE deliveries SET status = 'pending', last_error = @error, next_attempt_at = @next, claimed_by = NULL, updated_at = @now
      WHERE id = @id AND status = 'sending' AND claimed_by = @owner`);
    // The relay said 250: one row appended and committed on its own, so a crash a moment later cannot resend it.
    this.acceptRow = db.prepare<[number, string]>('INSERT OR IGNORE INTO delivery_acceptances (delivery_id, accepted_at) VALUES (?, ?)');
    // Folding: the papers each accepted email showed (the first `shown` of its content, and every
    // "You may also like" paper, never offered again) become sent papers, ...
    this.foldPapers = db.prepare<[{ owner: string }]>(`
      INSERT OR IGNORE INTO sent_papers (subscriber_id, paper_seq, delivery_id)
      SELECT d.subscriber_id, paper.value ->> '$[0]', d.id
      FROM delivery_acceptances a JOIN deliveries d ON d.id = a.delivery_id, json_each(d.content, '$.papers') AS paper
      WHERE d.status = 'sending' AND d.claimed_by = @owner AND paper.key < d.shown
      UNION ALL
      SELECT d.subscriber_id, paper.value ->> '$[0]', d.id
      FROM delivery_acceptances a JOIN deliveries d ON d.id = a.delivery_id, json_each(d.content, '$.also') AS paper
      WHERE d.status = 'sending' AND d.claimed_by = @owner`);
    // ... the rows are marked sent as of their acceptance, only while the owner still holds them, ...
    this.foldRows = db.prepare<[{ owner: string; now: string }]>(`
      UPDATE deliveries SET status = 'sent', last_error = NULL, next_attempt_at = NULL, claimed_by = NULL, updated_at = @now,
        sent_at = (SELECT accepted_at FROM delivery_acceptances WHERE delivery_id = deliveries.id)
      WHERE status = 'sending' AND claimed_by = @owner AND id IN (SELECT delivery_id FROM delivery_acceptances)`);
    // ... and acceptances whose row is no longer in flight have done their work.
    this.dropFolded = db.prepare(`
      DELETE FROM delivery_acceptances WHERE delivery_id NOT IN (SELECT id FROM deliveries WHERE status = 'sending')`);
    this.byIdFor = db.prepare<[number, number], DeliveryRow>(`SELECT ${COLUMNS} FROM deliveries WHERE id = ? AND subscriber_id = ?`);
    this.allFor = db.prepare<[number], DeliveryRow>(`SELECT ${COLUMNS} FROM deliveries WHERE subscriber_id = ? ORDER BY id`);
    this.readyCount = db.prepare<[string], { n: number }>(
      `SELECT count(*) AS n FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?`,
    );
    this.readyRows = db.prepare<[string], DeliveryRow>(
      `SELECT ${COLUMNS} FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id`,
    );
    // Only the reader's latest digest: a failed one's papers are offered again by the next digest planned
    // after it, so sending an older one once a later exists could send them twice.
    this.requeueRow = db.prepare<[{ id: number; now: string }]>(`
      UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = @now, updated_at = @now
      WHERE id = @id AND status = 'failed'
        AND NOT EXISTS (SELECT 1 FROM deliveries later WHERE later.subscriber_id = deliveries.subscriber_id AND later.id > deliveries.id)`);
    // A failed row's watermark is never read (see `states`); any other row is kept while it holds its subscriber's newest watermark.
    // One window of ids at a time, walked by rowid: the unary `+` keeps SQLite
    // from reading the due index for the status list instead, which would visit
    // every ended row for each window.
    const prunable = `FROM deliveries WHERE id > @after AND id <= @upto AND updated_at < @cutoff
      AND +status IN ('sent', 'skipped', 'failed', 'bounced')
      AND (status = 'failed' OR watermark < (SELECT max(k.watermark) FROM deliveries k
                                            WHERE k.subscriber_id = deliveries.subscriber_id AND k.status <> 'failed'))`;
    this.prunable = db.prepare<[IdWindow & { cutoff: string }], { n: number }>(`SELECT count(*) AS n ${prunable}`);
    this.pruneRows = db.prepare<[IdWindow & { cutoff: string }]>(`DELETE ${prunable}`);
    this.span = idSpanStatement(db, 'deliveries');
    // Pruning takes only rows older than its window, long before any day this is compared with.
    this.latestRow = db.prepare<[number], LastDigest>(
      'SELECT digest_key AS key, planned_at AS plannedAt FROM deliveries WHERE subscriber_id = ? ORDER BY planned_at DESC, id DESC LIMIT 1',
    );
  }

  /** The subscriber's latest digest (any status), which their next due time starts after; null before the first. */
  lastDigest(subscriberId: number): LastDigest | null {
    return this.latestRow.get(subscriberId) ?? null;
  }

  /** Where each subscriber stands for their digest key, by subscriber id. */
  ledgerStates(due: ReadonlyArray<{ subscriberId: number; digestKey: string }>): Map<number, LedgerState> {
    const states = new Map<number, LedgerState>();
    if (due.length === 0) return states;
    for (const row of this.states.iterate(JSON.stringify(due.map(({ subscriberId, digestKey }) => [subscriberId, digestKey])))) {
      states.set(row.id, { planned: row.planned === 1, watermark: row.watermark });
    }
    return states;
  }

  /** The papers at or above `minSeq` each subscriber has been sent, by subscriber. */
  sentPapers(subscriberIds: readonly number[], minSeq: number): Map<number, Set<number>> {
    const sent = new Map<number, Set<number>>();
    if (subscriberIds.length === 0) return sent;
    for (const row of this.sentRows.iterate(JSON.stringify(subscriberIds), minSeq)) {
      let set = sent.get(row.subscriber_id);
      if (!set) sent.set(row.subscriber_id, (set = new Set()));
      set.add(row.paper_seq);
    }
    return sent;
  }

  /**
   * Writes planned digests in one transaction: pending when there is
   * something to send, skipped (the key is done, nothing is sent) when not.
   * Returns how many were new; a key someone else planned first is left as is.
   */
  insertPlans(plans: readonly PlannedDelivery[], now: string): number {
    return writeTransaction(this.db, () => {
      let inserted = 0;
      for (const plan of plans) {
        inserted += this.insertRow.run({
          subscriber_id: plan.subscriberId,
          digest_key: plan.digestKey,
          status: plan.shown > 0 ? 'pending' : 'skipped',
          message_id: plan.messageId,
          content: JSON.stringify(plan.content),
          shown: plan.shown,
          matched: plan.matched,
          watermark: plan.watermark,
          now,
        }).changes;
      }
      return inserted;
    });
  }

  /** Who holds rows in `sending`, and since when. */
  claims(): Claim[] {
    return this.claimsHeld.all();
  }

  /** Hands every row an abandoned owner holds back to the queue, due now. Returns how many. */
  releaseAbandoned(owner: string, now: string): number {
    return this.releaseOwner.run({ owner, now }).changes;
  }

  /** Claims up to `limit` rows due by `now` for `owner`; each claim counts as an attempt. */
  claim(owner: string, now: string, limit: number): Delivery[] {
    return this.claimRows.all({ owner, now, limit }).map(toDelivery);
  }

  /** Returns claimed rows that were never handed to the relay (a run stopping early). */
  unclaim(owner: string, ids: readonly number[], now: string): void {
    if (ids.length > 0) this.unclaimRows.run({ owner, ids: JSON.stringify(ids), now });
  }

  /**
   * Records that the relay accepted a claimed delivery: one small append,
   * committed at once. The ledger row is marked sent later, a batch at a
   * time, by `foldAccepted`; until then the acceptance is what proves it went.
   */
  accept(id: number, now: string): void {
    this.acceptRow.run(id, now);
  }

  /**
   * Marks sent every row `owner` holds that the relay accepted, records the
   * papers each showed, and clears their acceptances, in one transaction.
   * Runs after each claim batch, and in recovery for a runner that died:
   * its accepted rows are sent, not in flight, and must not be handed back.
   * Returns how many rows it marked.
   */
  foldAccepted(owner: string, now: string): number {
    return writeTransaction(this.db, () => {
      this.foldPapers.run({ owner });
      const marked = this.foldRows.run({ owner, now }).changes;
      this.dropFolded.run();
      return marked;
    });
  }

  /** Ends a claimed delivery without sending it: skipped, failed or bounced. */
  finish(id: number, owner: string, status: 'skipped' | 'failed' | 'bounced', error: string, now: string): boolean {
    return this.finishRow.run({ id, owner, status, error, now }).changes > 0;
  }

  /** Puts a claimed delivery back in the queue for another attempt at `next`. */
  retry(id: number, owner: string, error: string, next: string, now: string): boolean {
    return this.retryRow.run({ id, owner, error, next, now }).changes > 0;
  }

  /** A subscriber's own delivery; another subscriber's id finds nothing. */
  findForSubscriber(id: number, subscriberId: number): Delivery | null {
    const row = this.byIdFor.get(id, subscriberId);
    return row ? toDelivery(row) : null;
  }

  /** Every ledger row of one subscriber, oldest first: what "download my data" lists. */
  allForSubscriber(subscriberId: number): Delivery[] {
    return this.allFor.all(subscriberId).map(toDelivery);
  }

  /** Deliveries waiting for an attempt that is due by `now`. */
  countReady(now: string): number {
    return this.readyCount.get(now)?.n ?? 0;
  }

  /** Those deliveries, in the order a run sends them, one at a time: what a dry run lists beside its new plans. */
  *ready(now: string): Generator<Delivery> {
    for (const row of this.readyRows.iterate(now)) yield toDelivery(row);
  }

  /**
   * Puts a digest that failed for good back in the queue, due now, with a
   * fresh retry budget. Only a failed row moves, so a repeated click or a
   * row that changed meanwhile does nothing, and only while it is the
   * reader's latest digest (a later one offered its papers again). Its
   * Message-ID stays.
   */
  requeueFailed(id: number, now: string): boolean {
    return this.requeueRow.run({ id, now }).changes > 0;
  }

  /**
   * Deletes ended digests last changed before `cutoff` (with `dryRun`, only
   * counts them), keeping what the no-repeat rule reads: each subscriber's
   * newest digest that did not fail, whose watermark is where their next
   * digest starts. Planning reads sent papers only above that watermark,
   * and every paper of an older digest is at or below it, so the sent-paper
   * rows that go with older digests (by cascade) are never read again.
   * Only rows whose id is in `ids` are looked at, so one call holds the
   * write lock for one window; which rows qualify does not depend on the
   * order the windows are pruned in, since a kept row is never deleted.
   */
  pruneEnded(cutoff: string, dryRun: boolean, ids: IdWindow): number {
    const params = { cutoff, ...ids };
    return dryRun ? (this.prunable.get(params)?.n ?? 0) : this.pruneRows.run(params).changes;
  }

  /** Every id in the ledger, as one window (empty when the table is): where pruning walks. */
  idSpan(): IdWindow {
    return this.span.get()!;
  }

  /** Runs `work` in one transaction, for changes that span this ledger and another table. */
  atomically<T>(work: () => T): T {
    return writeTransaction(this.db, work);
  }
}
