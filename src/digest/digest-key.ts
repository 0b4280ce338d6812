import type { Frequency, Schedule } from '../subscriptions/subscriber.js';
import { localTime, type LocalTime } from './local-time.js';

/*
 * A digest key names the period one digest covers, and the ledger holds one
 * delivery per subscriber and key. A daily digest's key is the subscriber's
 * local date (2026-11-27); a weekly one's is the ISO week of that date
 * (2026-W48). Every place that makes or reads a key goes through here.
 */

/** The key of the period `local` falls in, whether or not a digest is due yet. */
export function periodKey(frequency: Frequency, local: LocalTime): string {
  return frequency === 'daily' ? local.date : local.isoWeek;
}

/**
 * The digest a subscriber is due for at this local time, or null when none
 * is due yet. "Due" means the send hour has passed on the local day, not
 * that it is that hour now: a run after downtime still sends the same day,
 * and on a spring-forward day a 02:00 send (an hour that never happens) goes
 * out at 03:00. Weekly digests are due on the subscriber's weekday only.
 * The ledger holds one delivery per key, so the repeated hour of a
 * fall-back day cannot send twice.
 */
export function digestKey(schedule: Pick<Schedule, 'frequency' | 'weekday' | 'sendHour'>, local: LocalTime): string | null {
  if (local.hour < schedule.sendHour) return null;
  if (schedule.frequency === 'weekly' && local.weekday !== schedule.weekday) return null;
  return periodKey(schedule.frequency, local);
}

/**
 * The local date a digest is headed with. A daily key is that date; a weekly
 * key names a week, so its digest takes the day it was planned.
 */
export function digestDate(key: string, plannedAt: string, timeZone: string): string {
  return isWeekKey(key) ? localTime(new Date(plannedAt), timeZone).date : key;
}

function isWeekKey(key: string): boolean {
  return key.includes('-W');
}
