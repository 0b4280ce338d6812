import type { Db } from '../db/connection.js';

/** A paper a subscriber was sent, and when its digest went out. */
export interface FeedRow {
  seq: number;
  sentAt: string;
}

/** Reads the sent-papers ledger for a subscriber's feed; it writes nothing. */
export class FeedRepository {
  private readonly sentRows;

  constructor(db: Db) {
    // The (subscriber_id, paper_seq) key finds the subscriber's rows; each joins its own delivery by id.
    // A paper is in sent_papers only once per subscriber, so each entry appears once, under its first digest.
    this.sentRows = db.prepare<[number, number], FeedRow>(`
      SELECT sp.paper_seq AS seq, d.sent_at AS sentAt
      FROM sent_papers sp JOIN deliveries d ON d.id = sp.delivery_id
      WHERE sp.subscriber_id = ? AND d.sent_at IS NOT NULL
      ORDER BY d.sent_at DESC, sp.paper_seq DESC
      LIMIT ?`);
  }

  /** The subscriber's latest sent papers, newest digest first. */
  latestSent(subscriberId: number, limit: number): FeedRow[] {
    return this.sentRows.all(subscriberId, limit);
  }
}
