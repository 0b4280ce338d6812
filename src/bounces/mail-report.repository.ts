import type { Db } from '../db/connection.js';
import { writeTransaction } from '../db/write-transaction.js';
import type { ReportKind, ReportSource } from './mail-report.js';

/**
 * What a report did, as the operator sees it. `unverified`: a mailbox report
 * that names a subscriber by address alone, which anyone could have sent;
 * stored, not acted on.
 */
export type ReportOutcome = 'suppressed' | 'counted' | 'already-suppressed' | 'unmatched' | 'unverified' | 'ignored';

export interface StoredReport {
  id: number;
  source: ReportSource;
  sourceId: string | null;
  kind: ReportKind;
  email: string | null;
  subscriberId: number | null;
  deliveryId: number | null;
  detail: string;
  outcome: ReportOutcome;
  receivedAt: string;
}

export interface NewReport extends Omit<StoredReport, 'id'> {
  raw: string;
}

/** The ledger row a report is about. */
export interface ReportedDelivery {
  id: number;
  subscriberId: number;
  status: string;
}

/**
 * Stored reports, and the two ledger marks a report makes. Every change is a
 * conditional statement, so a report redelivered by the provider, or two
 * reports racing, change things once.
 */
export class MailReportRepository {
  private readonly insertRow;
  private readonly deliveryById;
  private readonly deliveryByMessageId;
  private readonly latestSent;
  private readonly bounceRow;
  private readonly complainRow;
  private readonly recentRuns;
  private readonly recentRows;
  private readonly rawRow;
  private readonly outcomeRow;

  constructor(private readonly db: Db) {
    // DO NOTHING: the provider sent this report before, and the first copy already acted.
    this.insertRow = db.prepare<[Record<string, string | number | null>]>(`
      INSERT INTO mail_reports (source, source_id, kind, email, subscriber_id, delivery_id, detail, outcome, raw, received_at)
      VALUES (@source, @sourceId, @kind, @email, @subscriberId, @deliveryId, @detail, @outcome, @raw, @receivedAt)
      ON CONFLICT (source, source_id, email) DO NOTHING`);
    this.deliveryById = db.prepare<[number], ReportedDelivery>('SELECT id, subscriber_id AS subscriberId, status FROM deliveries WHERE id = ?');
    this.deliveryByMessageId = db.prepare<[string], ReportedDelivery>(
      'SELECT id, subscriber_id AS subscriberId, status FROM deliveries WHERE message_id = ? ORDER BY id DESC LIMIT 1',
    );
    // A report that names only an address is about the last digest that went to it before the report.
    this.latestSent = db.prepare<[number, string], ReportedDelivery>(`
      SELECT id, subscriber_id AS subscriberId, status FROM deliveries
      WHERE subscriber_id = ? AND sent_at IS NOT NULL AND sent_at <= ? ORDER BY sent_at DESC, id DESC LIMIT 1`);
    // Only a delivered digest can bounce later; a row still queued or already failed keeps its own status.
    this.bounceRow = db.prepare<[{ id: number; detail: string; now: string }]>(`
      UPDATE deliveries SET status = 'bounced', last_error = @detail, updated_at = @now WHERE id = @id AND status = 'sent'`);
    this.complainRow = db.prepare<[{ id: number; now: string }]>(`
      UPDATE deliveries SET complained_at = @now, updated_at = @now WHERE id = @id AND complained_at IS NULL`);
    // The subscriber's latest delivered digests, each with whether a soft bounce came back for it.
    this.recentRuns = db.prepare<[number, number], { id: number; soft: number }>(`
      SELECT d.id, EXISTS (SELECT 1 FROM mail_reports r WHERE r.delivery_id = d.id AND r.kind = 'soft-bounce') AS soft
      FROM deliveries d WHERE d.subscriber_id = ? AND d.sent_at IS NOT NULL ORDER BY d.sent_at DESC, d.id DESC LIMIT ?`);
    this.recentRows = db.prepare<[number], StoredReport>(`
      SELECT id, source, source_id AS sourceId, kind, email, subscriber_id AS subscriberId, delivery_id AS deliveryId,
             detail, outcome, received_at AS receivedAt
      FROM mail_reports ORDER BY id DESC LIMIT ?`);
    this.outcomeRow = db.prepare<[string, number]>('UPDATE mail_reports SET outcome = ? WHERE id = ?');
    this.rawRow = db.prepare<[number], { raw: string }>('SELECT raw FROM mail_reports WHERE id = ?');
  }

  /** Stores a report and returns its id; null when the same report from the same source was stored before. */
  insert(report: NewReport): number | null {
    const result = this.insertRow.run({ ...report });
    return result.changes > 0 ? Number(result.lastInsertRowid) : null;
  }

  setOutcome(id: number, outcome: ReportOutcome): void {
    this.outcomeRow.run(outcome, id);
  }

  findDelivery(id: number): ReportedDelivery | null {
    return this.deliveryById.get(id) ?? null;
  }

  findDeliveryByMessageId(messageId: string): ReportedDelivery | null {
    return this.deliveryByMessageId.get(messageId) ?? null;
  }

  latestSentTo(subscriberId: number, before: string): ReportedDelivery | null {
    return this.latestSent.get(subscriberId, before) ?? null;
  }

  markBounced(deliveryId: number, detail: string, now: string): boolean {
    return this.bounceRow.run({ id: deliveryId, detail, now }).changes > 0;
  }

  markComplained(deliveryId: number, now: string): boolean {
    return this.complainRow.run({ id: deliveryId, now }).changes > 0;
  }

  /** Whether each of the subscriber's last `count` delivered digests soft-bounced; fewer rows when fewer were sent. */
  softBounceRun(subscriberId: number, count: number): boolean[] {
    return this.recentRuns.all(subscriberId, count).map((row) => row.soft === 1);
  }

  /** The newest reports first, without their raw form. */
  recent(limit: number): StoredReport[] {
    return this.recentRows.all(limit);
  }

  raw(id: number): string | null {
    return this.rawRow.get(id)?.raw ?? null;
  }

  atomically<T>(work: () => T): T {
    return writeTransaction(this.db, work);
  }
}
