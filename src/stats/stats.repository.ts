import type { Db } from '../db/connection.js';
import type { SubscriberStatus } from '../subscriptions/subscriber.js';

export const SUBSCRIBER_STATUSES: readonly SubscriberStatus[] = ['pending', 'active', 'unsubscribed', 'bounced'];

/** A count per UTC day ('2026-11-27'), days with none left out. */
export type Daily = Map<string, number>;

export interface TopicCount {
  topic: string;
  subscribers: number;
}

type DayRow = { day: string; n: number };
const toDaily = (rows: DayRow[]): Daily => new Map(rows.map(({ day, n }) => [day, n]));

/**
 * Read-only counts over the subscribers, the ledger and the papers, for the
 * dashboard and the metrics. Every timestamp is ISO-8601 UTC text, so its
 * first ten characters are its UTC day.
 */
export class StatsRepository {
  private readonly byStatus;
  private readonly pending;
  private readonly created;
  private readonly confirmed;
  private readonly unsubscribed;
  private readonly bouncedSubscribers;
  private readonly deliveriesEnded;
  private readonly sent;
  private readonly papers;
  private readonly topics;

  constructor(db: Db) {
    this.byStatus = db.prepare<[], { status: SubscriberStatus; n: number }>('SELECT status, count(*) AS n FROM subscribers GROUP BY status');
    // The queue a run still has to work through: planned, waiting for a retry, or in a runner's hands.
    this.pending = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM deliveries WHERE status IN ('pending', 'sending')`);
    const perDay = (column: string) =>
      db.prepare<[string], DayRow>(`SELECT substr(${column}, 1, 10) AS day, count(*) AS n FROM subscribers WHERE ${column} >= ? GROUP BY day`);
    this.created = perDay('created_at');
    this.confirmed = perDay('confirmed_at');
    this.unsubscribed = perDay('unsubscribed_at');
    // The subscriber table keeps no bounce time; the ledger row whose bounce suppressed the address does.
    this.bouncedSubscribers = db.prepare<[string], DayRow>(`
      SELECT substr(updated_at, 1, 10) AS day, count(DISTINCT subscriber_id) AS n FROM deliveries
      WHERE status = 'bounced' AND updated_at >= ? GROUP BY day`);
    // A row's last change is when it ended as skipped, failed or bounced.
    this.deliveriesEnded = db.prepare<[string, string], DayRow>(`
      SELECT substr(updated_at, 1, 10) AS day, count(*) AS n FROM deliveries WHERE status = ? AND updated_at >= ? GROUP BY day`);
    this.sent = db.prepare<[string], DayRow>(`
      SELECT substr(sent_at, 1, 10) AS day, count(*) AS n FROM deliveries WHERE status = 'sent' AND sent_at >= ? GROUP BY day`);
    this.papers = db.prepare<[string], DayRow & { source: string }>(`
      SELECT substr(ingested_at, 1, 10) AS day, source, count(*) AS n FROM papers WHERE ingested_at >= ? GROUP BY day, source`);
    // Counted per normal form, shown as the spelling most subscribers typed.
    this.topics = db.prepare<[number], TopicCount>(`
      SELECT (SELECT t2.text FROM subscriber_topics t2 WHERE t2.key = t.key GROUP BY t2.text ORDER BY count(*) DESC, t2.text LIMIT 1) AS topic,
             count(*) AS subscribers
      FROM subscriber_topics t JOIN subscribers s ON s.id = t.subscriber_id
      WHERE s.status = 'active'
      GROUP BY t.key ORDER BY subscribers DESC, topic LIMIT ?`);
  }

  /** Subscribers per status, every status present. */
  subscribersByStatus(): Record<SubscriberStatus, number> {
    const counts = Object.fromEntries(SUBSCRIBER_STATUSES.map((status) => [status, 0])) as Record<SubscriberStatus, number>;
    for (const { status, n } of this.byStatus.all()) counts[status] = n;
    return counts;
  }

  /** Digests planned and not yet ended: the depth of the send queue. */
  pendingDeliveries(): number {
    return this.pending.get()?.n ?? 0;
  }

  /** New, confirmed, unsubscribed and bounced subscribers per day since `since`. */
  subscriberDaily(since: string): Record<'new' | 'confirmed' | 'unsubscribed' | 'bounced', Daily> {
    return {
      new: toDaily(this.created.all(since)),
      confirmed: toDaily(this.confirmed.all(since)),
      unsubscribed: toDaily(this.unsubscribed.all(since)),
      bounced: toDaily(this.bouncedSubscribers.all(since)),
    };
  }

  /** Digests sent, skipped, failed and bounced per day since `since`, as the ledger holds them. */
  deliveryDaily(since: string): Record<'sent' | 'skipped' | 'failed' | 'bounced', Daily> {
    return {
      sent: toDaily(this.sent.all(since)),
      skipped: toDaily(this.deliveriesEnded.all('skipped', since)),
      failed: toDaily(this.deliveriesEnded.all('failed', since)),
      bounced: toDaily(this.deliveriesEnded.all('bounced', since)),
    };
  }

  /** Papers first stored per source per day since `since`. */
  papersDaily(since: string): Map<string, Daily> {
    const bySource = new Map<string, Daily>();
    for (const { day, source, n } of this.papers.all(since)) {
      let daily = bySource.get(source);
      if (!daily) bySource.set(source, (daily = new Map()));
      daily.set(day, n);
    }
    return bySource;
  }

  /** The most common topics among active subscribers. */
  topTopics(limit: number): TopicCount[] {
    return this.topics.all(limit);
  }
}
