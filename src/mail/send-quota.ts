import type { Db } from '../db/connection.js';
import type { MailTransport } from './mail-transport.js';

/** The relay's daily quota is used up: the message waits for a later run. */
export class QuotaExceededError extends Error {
  override name = 'QuotaExceededError';

  constructor(
    readonly quota: number,
    /** When the oldest hand-off in the window leaves it. */
    readonly resetsAt: Date,
  ) {
    super(`the daily send quota (SMTP_DAILY_QUOTA=${quota}) is used up until ${resetsAt.toISOString()}`);
  }
}

export interface QuotaLimits {
  /** Hand-offs per second; 0 for none. */
  perSecond: number;
  /** Hand-offs per rolling 24 hours; 0 for none. */
  perDay: number;
}

const DAY_MS = 24 * 60 * 60_000;
/** Rows older than this count toward nothing; pruned now and then. */
const KEEP_MS = 2 * DAY_MS;

type Take = { slot: number } | { waitMs: number } | { resetsAt: Date };

/**
 * Send quotas counted in the database, so every process sending through the
 * same relay shares them. Each hand-off takes a slot in one IMMEDIATE
 * transaction (count, then insert), so two processes can never both take
 * the last slot.
 */
export class SendQuota {
  private readonly take: (sentAt: string, since: string, nowMs: number) => Take;
  private readonly releaseRow;
  private readonly pruneRows;
  private taken = 0;

  constructor(
    db: Db,
    private readonly limits: QuotaLimits,
    private readonly wallClock: () => number = Date.now,
  ) {
    const daily = db.prepare<[string], { n: number; oldest: string | null }>('SELECT count(*) AS n, min(sent_at) AS oldest FROM relay_handoffs WHERE sent_at > ?');
    const lastSecond = db.prepare<[number], { n: number; oldest: number | null }>('SELECT count(*) AS n, min(at_ms) AS oldest FROM relay_handoffs WHERE at_ms > ?');
    const insert = db.prepare<[number, string]>('INSERT INTO relay_handoffs (at_ms, sent_at) VALUES (?, ?)');
    // Built once, since it runs for every hand-off; it takes the write lock at BEGIN, as writeTransaction does.
    // eslint-disable-next-line no-restricted-syntax
    const transaction = db.transaction((sentAt: string, since: string, nowMs: number): Take => {
      if (limits.perDay > 0) {
        const day = daily.get(since)!;
        if (day.n >= limits.perDay) return { resetsAt: new Date(Date.parse(day.oldest!) + DAY_MS) };
      }
      if (limits.perSecond > 0) {
        const second = lastSecond.get(nowMs - 1000)!;
        if (second.n >= limits.perSecond) return { waitMs: Math.max(1, second.oldest! + 1000 - nowMs + 1) };
      }
      return { slot: Number(insert.run(nowMs, sentAt).lastInsertRowid) };
    });
    this.take = (sentAt, since, nowMs) => transaction.immediate(sentAt, since, nowMs);
    this.releaseRow = db.prepare<[number]>('DELETE FROM relay_handoffs WHERE id = ?');
    this.pruneRows = db.prepare<[number]>('DELETE FROM relay_handoffs WHERE at_ms < ?');
  }

  /** Waits for a slot in this second and takes it, or throws QuotaExceededError when the day's quota is used up. */
  async acquire(sentAt: Date): Promise<number> {
    const since = new Date(sentAt.getTime() - DAY_MS).toISOString();
    for (;;) {
      const result = this.take(sentAt.toISOString(), since, this.wallClock());
      if ('slot' in result) {
        if (++this.taken % 1000 === 0) this.pruneRows.run(this.wallClock() - KEEP_MS);
        return result.slot;
      }
      if ('resetsAt' in result) throw new QuotaExceededError(this.limits.perDay, result.resetsAt);
      await new Promise((resolve) => setTimeout(resolve, result.waitMs));
    }
  }

  /** Gives back the slot of a message the relay did not accept. */
  release(slot: number): void {
    this.releaseRow.run(slot);
  }
}

/** Wraps a transport so every hand-off first takes a slot of the shared quota. */
export function quotaTransport(inner: MailTransport, quota: SendQuota): MailTransport {
  return {
    kind: inner.kind,
    async send(message) {
      const slot = await quota.acquire(message.date ?? new Date());
      try {
        return await inner.send(message);
      } catch (err) {
        quota.release(slot);
        throw err;
      }
    },
    close: () => inner.close(),
  };
}
