import type { Db } from '../db/connection.js';
import { writeTransaction } from '../db/write-transaction.js';
import type { DueClock, Preferences, Schedule, Subscriber, SubscriberStatus, SubscriberTopic } from './subscriber.js';

interface SubscriberRow {
  id: number;
  email: string;
  status: SubscriberStatus;
  frequency: Subscriber['frequency'];
  weekday: number | null;
  send_hour: number;
  timezone: string;
  token_version: number;
  token_secret: string;
  created_at: string;
  updated_at: string;
  confirm_sent_at: string | null;
  last_notice_at: string | null;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
}

const COLUMNS = `id, email, status, frequency, weekday, send_hour, timezone, token_version, token_secret, created_at, updated_at,
  confirm_sent_at, last_notice_at, confirmed_at, unsubscribed_at`;

function toSubscriber(row: SubscriberRow, topics: SubscriberTopic[]): Subscriber {
  return {
    id: row.id,
    email: row.email,
    status: row.status,
    frequency: row.frequency,
    weekday: row.weekday,
    sendHour: row.send_hour,
    timezone: row.timezone,
    topics,
    tokenVersion: row.token_version,
    tokenSecret: row.token_secret,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    confirmSentAt: row.confirm_sent_at,
    lastNoticeAt: row.last_notice_at,
    confirmedAt: row.confirmed_at,
    unsubscribedAt: row.unsubscribed_at,
  };
}

const toSchedule = (row: SubscriberRow): Schedule => ({
  frequency: row.frequency,
  weekday: row.weekday,
  sendHour: row.send_hour,
  timezone: row.timezone,
});

const schedule = (prefs: Preferences) => ({
  frequency: prefs.frequency,
  weekday: prefs.weekday,
  send_hour: prefs.sendHour,
  timezone: prefs.timezone,
});

/** What a digest run reads about each active subscriber to find who is due. */
export type ActiveSubscriber = Pick<Subscriber, 'id' | 'frequency' | 'weekday' | 'sendHour' | 'timezone'>;

/** An active subscriber whose stored due time has come, with that time (the tick's cursor, and its guard). */
export interface DueCandidate extends ActiveSubscriber {
  nextDueAt: string;
}

/**
 * Without a clock, a change makes the subscriber a candidate at every tick
 * until one works out their exact time: never late, some reads more.
 */
const anyTick: DueClock = () => new Date(0);

/** Subscribers and their topics. Every write that touches both runs in one transaction. */
export class SubscriberRepository {
  private readonly byId;
  private readonly byEmail;
  private readonly topicsOf;
  private readonly insertRow;
  private readonly updateSchedule;
  private readonly deleteTopics;
  private readonly insertTopic;
  private readonly setStatusRow;
  private readonly setNoticeRow;
  private readonly deleteRow;
  private readonly bumpVersion;
  private readonly topicsOfMany;
  private readonly byIds;
  private readonly dueSameTime;
  private readonly dueLater;
  private readonly setDueRow;
  private readonly advanceDueRow;

  constructor(
    private readonly db: Db,
    private readonly dueClock: DueClock = anyTick,
  ) {
    this.byId = db.prepare<[number], SubscriberRow>(`SELECT ${COLUMNS} FROM subscribers WHERE id = ?`);
    this.byEmail = db.prepare<[string], SubscriberRow>(`SELECT ${COLUMNS} FROM subscribers WHERE email = ?`);
    this.topicsOf = db.prepare<[number], SubscriberTopic>(
      'SELECT text, key FROM subscriber_topics WHERE subscriber_id = ? ORDER BY position',
    );
    this.insertRow = db.prepare<[{ email: string; now: string } & ReturnType<typeof schedule>]>(`
      INSERT INTO subscribers (email, status, frequency, weekday, send_hour, timezone, created_at, updated_at)
      VALUES (@email, 'pending', @frequency, @weekday, @send_hour, @timezone, @now, @now)`);
    this.updateSchedule = db.prepare<[{ id: number; now: string } & ReturnType<typeof schedule>]>(`
      UPDATE subscribers SET frequency = @frequency, weekday = @weekday, send_hour = @send_hour,
        timezone = @timezone, updated_at = @now
      WHERE id = @id`);
    this.deleteTopics = db.prepare<[number]>('DELETE FROM subscriber_topics WHERE subscriber_id = ?');
    this.insertTopic = db.prepare<[number, number, string, string]>(
      'INSERT INTO subscriber_topics (subscriber_id, position, text, key) VALUES (?, ?, ?, ?)',
    );
    // The status guard makes each transition a conditional UPDATE: it reports
    // whether this call changed anything, even with two requests racing.
    this.setStatusRow = db.prepare<[{ id: number; from: string; to: SubscriberStatus; now: string }]>(`
      UPDATE subscribers SET status = @to, updated_at = @now,
        confirmed_at = CASE WHEN @to = 'active' AND confirmed_at IS NULL THEN @now ELSE confirmed_at END,
        unsubscribed_at = CASE WHEN @to = 'unsubscribed' THEN @now WHEN @to = 'active' THEN NULL ELSE unsubscribed_at END
      WHERE id = @id AND status IN (SELECT value FROM json_each(@from))`);
    this.setNoticeRow = db.prepare<[{ id: number; notice: string | null; confirm: string | null }]>(`
      UPDATE subscribers SET last_notice_at = @notice, confirm_sent_at = coalesce(@confirm, confirm_sent_at) WHERE id = @id`);
    this.deleteRow = db.prepare<[number]>('DELETE FROM subscribers WHERE id = ?');
    this.bumpVersion = db.prepare<[number]>('UPDATE subscribers SET token_version = token_version + 1 WHERE id = ?');
    this.topicsOfMany = db.prepare<[string], SubscriberTopic & { subscriber_id: number }>(`
      SELECT subscriber_id, text, key FROM subscriber_topics
      WHERE subscriber_id IN (SELECT value FROM json_each(?)) ORDER BY subscriber_id, position`);
    this.byIds = db.prepare<[string], SubscriberRow>(`SELECT ${COLUMNS} FROM subscribers WHERE id IN (SELECT value FROM json_each(?))`);
    // Two statements walk the partial index subscribers_next_due in (next_due_at, id) order from a
    // cursor: the rest of the cursor's due time, then later times up to `now`. Each is one index range,
    // where a single OR would rescan every row sharing a due time (all of them, before any tick) per batch.
    const due = `SELECT id, frequency, weekday, send_hour AS sendHour, timezone, next_due_at AS nextDueAt FROM subscribers WHERE status = 'active'`;
    this.dueSameTime = db.prepare<[{ due: string; id: number; limit: number }], DueCandidate>(
      `${due} AND next_due_at = @due AND id > @id ORDER BY next_due_at, id LIMIT @limit`,
    );
    this.dueLater = db.prepare<[{ now: string; due: string; limit: number }], DueCandidate>(
      `${due} AND next_due_at > @due AND next_due_at <= @now ORDER BY next_due_at, id LIMIT @limit`,
    );
    this.setDueRow = db.prepare<[string, number]>(`UPDATE subscribers SET next_due_at = ? WHERE id = ? AND status = 'active'`);
    // Guarded by the time the tick read: a schedule changed meanwhile has its own new time, which stands.
    this.advanceDueRow = db.prepare<[{ id: number; seen: string; next: string }]>(
      'UPDATE subscribers SET next_due_at = @next WHERE id = @id AND next_due_at = @seen',
    );
  }

  /** Many subscribers in two queries, by id; ids with no subscriber are absent. */
  findByIds(ids: readonly number[]): Map<number, Subscriber> {
    const found = new Map<number, Subscriber>();
    if (ids.length === 0) return found;
    const list = JSON.stringify(ids);
    const topics = this.topicsFor(ids);
    for (const row of this.byIds.iterate(list)) found.set(row.id, toSubscriber(row, topics.get(row.id) ?? []));
    return found;
  }

  /**
   * Up to `limit` active subscribers due by `now`, in due-time order after
   * the cursor (the last candidate of the previous batch; none for the first).
   */
  nextDue(now: string, after: Pick<DueCandidate, 'id' | 'nextDueAt'> | null, limit: number): DueCandidate[] {
    // The first batch starts before every time: the empty one a row without a time yet has.
    const { nextDueAt: due, id } = after ?? { nextDueAt: '', id: 0 };
    const batch = this.dueSameTime.all({ due, id, limit });
    return batch.length < limit ? batch.concat(this.dueLater.all({ now, due, limit: limit - batch.length })) : batch;
  }

  /**
   * Moves each candidate's due time on, as a tick does once it has dealt
   * with them. A row whose time changed since the tick read it is left alone.
   */
  advanceDue(moves: ReadonlyArray<{ id: number; seen: string; next: string }>): void {
    for (const move of moves) this.advanceDueRow.run(move);
  }

  /** The topics of many subscribers in one query, in each one's own order. */
  topicsFor(ids: readonly number[]): Map<number, SubscriberTopic[]> {
    const topics = new Map<number, SubscriberTopic[]>();
    if (ids.length === 0) return topics;
    for (const { subscriber_id: id, text, key } of this.topicsOfMany.iterate(JSON.stringify(ids))) {
      let list = topics.get(id);
      if (!list) topics.set(id, (list = []));
      list.push({ text, key });
    }
    return topics;
  }

  findById(id: number): Subscriber | null {
    const row = this.byId.get(id);
    return row ? toSubscriber(row, this.topicsOf.all(row.id)) : null;
  }

  /** Case-insensitive, as addresses are unique regardless of case. */
  findByEmail(email: string): Subscriber | null {
    const row = this.byEmail.get(email);
    return row ? toSubscriber(row, this.topicsOf.all(row.id)) : null;
  }

  /** A new pending subscriber with their topics. */
  insertPending(email: string, prefs: Preferences, now: string): Subscriber {
    return writeTransaction(this.db, () => {
      // Read back for the defaults SQLite filled in (the token secret). RETURNING would save the read
      // but costs more: SQLite collects its rows in a temporary table first (10 µs against 5 + 1, measured).
      const id = Number(this.insertRow.run({ email, now, ...schedule(prefs) }).lastInsertRowid);
      this.insertTopics(id, prefs);
      return toSubscriber(this.byId.get(id)!, prefs.topics.map(({ text, key }) => ({ text, key })));
    });
  }

  /** Replaces the schedule and every topic line at once. */
  updatePreferences(id: number, prefs: Preferences, now: string): void {
    writeTransaction(this.db, () => {
      this.updateSchedule.run({ id, now, ...schedule(prefs) });
      this.writeTopics(id, prefs);
      this.refreshDue(id, prefs);
    });
  }

  /**
   * Starts a double opt-in again with new preferences. `revokeLinks` raises
   * the token version in the same transaction, so no earlier link confirms
   * settings its email did not show.
   */
  restartOptIn(id: number, prefs: Preferences, now: string, revokeLinks: boolean): void {
    writeTransaction(this.db, () => {
      this.updateSchedule.run({ id, now, ...schedule(prefs) });
      this.writeTopics(id, prefs);
      this.setStatusRow.run({ id, from: JSON.stringify(['unsubscribed', 'bounced']), to: 'pending', now });
      if (revokeLinks) this.bumpVersion.run(id);
    });
  }

  /** Moves a subscriber to `to` if their status is one of `from`; true when it did. */
  transition(id: number, from: readonly SubscriberStatus[], to: SubscriberStatus, now: string): boolean {
    return writeTransaction(this.db, () => {
      const changed = this.setStatusRow.run({ id, from: JSON.stringify(from), to, now }).changes > 0;
      if (changed && to === 'active') this.refreshDue(id, toSchedule(this.byId.get(id)!));
      return changed;
    });
  }

  /**
   * Lifts the suppression a hard bounce put on an address. Until suppressions
   * have their own table, a suppression is the `bounced` status: a confirmed
   * address goes back to active, one never confirmed to pending.
   */
  liftSuppression(id: number, now: string): boolean {
    const subscriber = this.findById(id);
    if (subscriber?.status !== 'bounced') return false;
    return this.transition(id, ['bounced'], subscriber.confirmedAt ? 'active' : 'pending', now);
  }

  /** Records an email the visitor caused once it went out: `confirm` also restarts the confirmation link's lifetime. */
  recordNotice(id: number, notice: string | null, confirm: string | null = null): void {
    this.setNoticeRow.run({ id, notice, confirm });
  }

  /** Runs `work` in one transaction, for a change and the rows it causes in other tables (a queued email). */
  atomically<T>(work: () => T): T {
    return writeTransaction(this.db, work);
  }

  /** Erases the subscriber; foreign keys cascade to every row about them. */
  erase(id: number): boolean {
    return this.deleteRow.run(id).changes > 0;
  }

  /** Works out an active subscriber's due time again after a change to their schedule or status. */
  private refreshDue(id: number, current: Schedule): void {
    this.setDueRow.run(this.dueClock(id, current).toISOString(), id);
  }

  private writeTopics(id: number, prefs: Preferences): void {
    this.deleteTopics.run(id);
    this.insertTopics(id, prefs);
  }

  /** A new row's topics: its id was never used (AUTOINCREMENT), so there is nothing to delete first. */
  private insertTopics(id: number, prefs: Preferences): void {
    prefs.topics.forEach((topic, position) => this.insertTopic.run(id, position, topic.text, topic.key));
  }
}
