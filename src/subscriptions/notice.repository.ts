import type { Db } from '../db/connection.js';
import { idSpanStatement, type IdWindow } from '../db/id-window.js';
import type { Claim } from '../db/claims.js';

/** The emails a visitor's form can cause; each is rendered at send time from the subscriber's state then. */
export type NoticeKind = 'confirm' | 'already-subscribed' | 'manage-link';

export type NoticeStatus = 'pending' | 'sending' | 'sent' | 'skipped' | 'failed' | 'bounced';

/** A claimed notice, as the sender needs it. */
export interface Notice {
  id: number;
  subscriberId: number;
  kind: string;
  /** Counting the claim that returned it. */
  attempts: number;
}

export type { Claim };

interface NoticeRow {
  id: number;
  subscriber_id: number;
  kind: string;
  attempts: number;
}

/** Whether a request's email is now in the queue, and whether it was already. */
export type EnqueueResult = 'queued' | 'waiting';

/**
 * The queue of form-triggered emails. Like the digest ledger, every status
 * change is a conditional UPDATE on the status it expects (and, for a claimed
 * row, on its owner), so two senders can never both act on one row.
 */
export class NoticeRepository {
  private readonly insertRow;
  private readonly hurryRow;
  private readonly recentRows;
  private readonly claimsHeld;
  private readonly releaseOwner;
  private readonly claimRow;
  private readonly finishRow;
  private readonly retryRow;
  private readonly prunable;
  private readonly pruneRows;
  private readonly span;

  constructor(private readonly db: Db) {
    // DO NOTHING: the same email already waits for this subscriber (the partial
    // unique index), and one is all they need.
    this.insertRow = db.prepare<[{ subscriber: number; kind: NoticeKind; now: string; due: string }]>(`
      INSERT INTO notices (subscriber_id, kind, status, next_attempt_at, created_at, updated_at)
      VALUES (@subscriber, @kind, 'pending', @due, @now, @now)
      ON CONFLICT (subscriber_id, kind) WHERE status IN ('pending', 'sending') DO NOTHING`);
    // Only a `pending` row is touched, so a row a sender holds keeps its claim; a
    // visitor asking again after a failed attempt gets the next one when it may go, not after the backoff.
    this.hurryRow = db.prepare<[{ subscriber: number; kind: NoticeKind; now: string; due: string }]>(`
      UPDATE notices SET next_attempt_at = @due, updated_at = @now
      WHERE subscriber_id = @subscriber AND kind = @kind AND status = 'pending' AND next_attempt_at > @due`);
    this.recentRows = db.prepare<[{ subscriber: number; since: string }], { n: number }>(`
      SELECT count(*) AS n FROM notices
      WHERE subscriber_id = @subscriber AND (status IN ('pending', 'sending') OR (status = 'sent' AND sent_at >= @since))`);
    this.claimsHeld = db.prepare<[], Claim>(`
      SELECT claimed_by AS owner, min(claimed_at) AS claimedAt FROM notices WHERE status = 'sending' GROUP BY claimed_by`);
    // A crash is the sender's failure, not the relay's: the claim's attempt is handed back,
    // so a sender that keeps dying cannot use up an email's retries.
    this.releaseOwner = db.prepare<[{ owner: string; now: string }]>(`
      UPDATE notices SET status = 'pending', claimed_by = NULL, attempts = max(attempts - 1, 0), next_attempt_at = @now, updated_at = @now
      WHERE status = 'sending' AND claimed_by = @owner`);
    // One statement picks and claims, so the pick and the claim cannot be split by another writer.
    this.claimRow = db.prepare<[{ owner: string; now: string }], NoticeRow>(`
      UPDATE notices SET status = 'sending', claimed_by = @owner, claimed_at = @now, attempts = attempts + 1, updated_at = @now
      WHERE id = (SELECT id FROM notices WHERE status = 'pending' AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT 1)
        AND status = 'pending'
      RETURNING id, subscriber_id, kind, attempts`);
    // Only the claim's owner may end it: a row taken back from a stalled sender is no longer its own.
    this.finishRow = db.prepare<[{ id: number; owner: string; status: NoticeStatus; error: string | null; now: string }]>(`
      UPDATE notices SET status = @status, last_error = @error, next_attempt_at = NULL, claimed_by = NULL, updated_at = @now,
        sent_at = CASE WHEN @status = 'sent' THEN @now END
      WHERE id = @id AND status = 'sending' AND claimed_by = @owner`);
    // `refund`: the claim's attempt is handed back, for an email that never reached the relay.
    this.retryRow = db.prepare<[{ id: number; owner: string; error: string; next: string; now: string; refund: 0 | 1 }]>(`
      UPDATE notices SET status = 'pending', last_error = @error, next_attempt_at = @next, claimed_by = NULL, updated_at = @now,
        attempts = max(attempts - @refund, 0)
      WHERE id = @id AND status = 'sending' AND claimed_by = @owner`);
    // By rowid, one window at a time (see the ledger's pruneEnded); `+status` keeps the planner off the status index.
    const ended = "FROM notices WHERE id > @after AND id <= @upto AND +status IN ('sent', 'skipped', 'failed', 'bounced') AND updated_at < @cutoff";
    this.prunable = db.prepare<[IdWindow & { cutoff: string }], { n: number }>(`SELECT count(*) AS n ${ended}`);
    this.pruneRows = db.prepare<[IdWindow & { cutoff: string }]>(`DELETE ${ended}`);
    this.span = idSpanStatement(db, 'notices');
  }

  /**
   * Queues an email for a subscriber, due at `due` (now, unless the address
   * was emailed moments ago). When the same email already waits, nothing is
   * added, and a pending one due later is brought forward to `due`.
   */
  enqueue(subscriberId: number, kind: NoticeKind, now: string, due: string = now): EnqueueResult {
    const params = { subscriber: subscriberId, kind, now, due };
    if (this.insertRow.run(params).changes > 0) return 'queued';
    this.hurryRow.run(params);
    return 'waiting';
  }

  /** Emails sent to a subscriber since `since`, and those waiting to go. */
  recentFor(subscriberId: number, since: string): number {
    return this.recentRows.get({ subscriber: subscriberId, since })?.n ?? 0;
  }

  /** Who holds rows in `sending`, and since when. */
  claims(): Claim[] {
    return this.claimsHeld.all();
  }

  /** Hands every row an abandoned owner holds back to the queue, due now. Returns how many. */
  releaseAbandoned(owner: string, now: string): number {
    return this.releaseOwner.run({ owner, now }).changes;
  }

  /** Claims the next due email for `owner`, or null when none is due; the claim counts as an attempt. */
  claim(owner: string, now: string): Notice | null {
    const row = this.claimRow.get({ owner, now });
    return row ? { id: row.id, subscriberId: row.subscriber_id, kind: row.kind, attempts: row.attempts } : null;
  }

  /** Ends a claimed email: sent, skipped, failed or bounced. False when the claim was no longer this owner's. */
  /**
   * Emails that ended (sent, skipped, failed, bounced) before `cutoff`: the
   * anti-flood window reads the subscriber row, never these, so nothing
   * still needs them. Waiting and claimed rows always stay.
   */
  pruneEnded(cutoff: string, dryRun: boolean, ids: IdWindow): number {
    const params = { cutoff, ...ids };
    return dryRun ? (this.prunable.get(params)?.n ?? 0) : this.pruneRows.run(params).changes;
  }

  /** Every id in the queue, as one window (empty when the table is): where pruning walks. */
  idSpan(): IdWindow {
    return this.span.get()!;
  }

  finish(id: number, owner: string, status: Exclude<NoticeStatus, 'pending' | 'sending'>, error: string | null, now: string): boolean {
    return this.finishRow.run({ id, owner, status, error, now }).changes > 0;
  }

  /** Puts a claimed email back in the queue for another attempt at `next`. */
  retry(id: number, owner: string, error: string, next: string, now: string): boolean {
    return this.retryRow.run({ id, owner, error, next, now, refund: 0 }).changes > 0;
  }

  /** Puts a claimed email back for `next` without counting the claim as an attempt: it never reached the relay. */
  putBack(id: number, owner: string, error: string, next: string, now: string): boolean {
    return this.retryRow.run({ id, owner, error, next, now, refund: 1 }).changes > 0;
  }
}
