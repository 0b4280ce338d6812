export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed' | 'bounced';
export type Frequency = 'daily' | 'weekly';

/** When a subscriber wants their digest. */
export interface Schedule {
  frequency: Frequency;
  /** 0 = Sunday … 6 = Saturday; null for daily digests. */
  weekday: number | null;
  /** 0–23, in `timezone`. */
  sendHour: number;
  /** A canonical IANA time zone name. */
  timezone: string;
}

/**
 * When a subscriber's next digest may come due under `schedule`, given the
 * digests they already had: the digest side works it out (it knows the
 * ledger and the clocks); the subscriber repository calls it whenever a
 * schedule or status changes. It depends on the ledger, not on the time of
 * the change, so a run given an earlier time (`paperboy digest --now`) still
 * finds everyone its own clock says is due.
 */
export type DueClock = (subscriberId: number, schedule: Schedule) => Date;

/** One topic line as the subscriber typed it, with its normal form. */
export interface SubscriberTopic {
  text: string;
  key: string;
}

/** What a person asks for on the form or the preferences page, once validated. */
export interface Preferences extends Schedule {
  topics: SubscriberTopic[];
}

export interface Subscriber extends Preferences {
  id: number;
  email: string;
  status: SubscriberStatus;
  tokenVersion: number;
  /** Random per subscriber, signed into every token; never leaves the server. */
  tokenSecret: string;
  createdAt: string;
  updatedAt: string;
  confirmSentAt: string | null;
  lastNoticeAt: string | null;
  confirmedAt: string | null;
  unsubscribedAt: string | null;
}

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

/** "daily at 08:00 (Europe/Paris)" or "every Monday at 07:00 (UTC)". */
export function describeSchedule({ frequency, weekday, sendHour, timezone }: Schedule): string {
  const hour = `${String(sendHour).padStart(2, '0')}:00`;
  const day = frequency === 'weekly' && weekday !== null ? `every ${WEEKDAYS[weekday]}` : 'daily';
  return `${day} at ${hour} (${timezone})`;
}

/** True when two sets of preferences would send the same digest: same topic lines in the same order, same schedule. */
export function samePreferences(a: Preferences, b: Preferences): boolean {
  const topics = (prefs: Preferences) => JSON.stringify(prefs.topics.map((topic) => topic.text));
  return a.frequency === b.frequency && a.weekday === b.weekday && a.sendHour === b.sendHour && a.timezone === b.timezone && topics(a) === topics(b);
}
