import type { DueClock, Schedule } from '../subscriptions/subscriber.js';
import { isoWeek, localTime, wallClockMs } from './local-time.js';

/*
 * Each active subscriber's row holds when their next digest comes due, so a
 * tick reads only the subscribers who are due (through an index) rather
 * than every subscriber. The stored time may be early, never late: a tick
 * that reads a subscriber who is not due after all works out their time
 * again, so an early time costs one read, and a late one would cost a digest.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Far enough for a weekly digest whose next weekday falls in the week already sent. */
const SEARCH_DAYS = 15;

/** The ledger's latest digest for a subscriber: the key it covered and when it was planned. */
export interface LastDigest {
  key: string;
  plannedAt: string;
}

type DueSchedule = Pick<Schedule, 'frequency' | 'weekday' | 'sendHour' | 'timezone'>;

/**
 * The first instant at which the wall clock in `timeZone` reads `hour`:00 on
 * `date`, or later. On a spring-forward day whose hour never happens that is
 * the moment the clocks jump past it; on a fall-back day whose hour happens
 * twice, the first time.
 */
export function firstInstantAt(date: string, hour: number, timeZone: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`) + hour * HOUR_MS;
  // The offsets in force around that wall time: one, or two across a change of clocks.
  const offsets = new Set([wall - DAY_MS, wall, wall + DAY_MS].map((at) => wallClockMs(at, timeZone) - at));
  let first = Number.POSITIVE_INFINITY;
  for (const offset of offsets) {
    const instant = wall - offset;
    if (wallClockMs(instant, timeZone) >= wall) first = Math.min(first, instant);
  }
  return first;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * When the subscriber's next digest comes due, seen from `now`: `now` itself
 * when one is due already (the send hour passed today and today's digest is
 * not in the ledger), else the first send time to come. A period that has
 * its digest is passed over, and so is any local day that already had one:
 * changing time zone or frequency mid-day can name a new key for the same
 * day, but never brings a second digest that day.
 */
export function nextDueAt(schedule: DueSchedule, now: Date, last: LastDigest | null): Date {
  const { frequency, weekday, sendHour, timezone } = schedule;
  const today = localTime(now, timezone).date;
  const lastDay = last ? localTime(new Date(last.plannedAt), timezone).date : '';
  for (let day = 0; day < SEARCH_DAYS; day += 1) {
    const date = addDays(today, day);
    if (frequency === 'weekly' && new Date(`${date}T00:00:00Z`).getUTCDay() !== weekday) continue;
    const key = frequency === 'daily' ? date : isoWeek(date);
    if (key === last?.key || date <= lastDay) continue;
    return new Date(Math.max(now.getTime(), firstInstantAt(date, sendHour, timezone)));
  }
  // Unreachable for a valid schedule; an early time is safe, as the tick checks again.
  return new Date(now.getTime() + DAY_MS);
}

/**
 * Next due times for a whole tick, where everyone shares `now` and a planned
 * digest's day is today: the answer depends only on the schedule and the
 * key, so it is worked out once per distinct pair.
 */
export class DueCalendar {
  private readonly known = new Map<string, string>();

  constructor(private readonly now: Date) {}

  /** The due time after the digest for `key`, planned in this tick (or earlier in its period). */
  after(schedule: DueSchedule, key: string): string {
    return this.memo(schedule, key, () => ({ key, plannedAt: this.now.toISOString() }));
  }

  /** The due time of someone the tick found not due after all, from the ledger's latest digest. */
  recheck(schedule: DueSchedule, last: LastDigest | null): string {
    if (last) return nextDueAt(schedule, this.now, last).toISOString();
    // Most of these never had a digest (new, or from before the index): one answer per schedule.
    return this.memo(schedule, null, () => null);
  }

  private memo(schedule: DueSchedule, key: string | null, last: () => LastDigest | null): string {
    const id = `${schedule.timezone}|${schedule.frequency}|${schedule.weekday}|${schedule.sendHour}|${key ?? ''}|${key === null}`;
    let at = this.known.get(id);
    if (at === undefined) {
      at = nextDueAt(schedule, this.now, last()).toISOString();
      this.known.set(id, at);
    }
    return at;
  }
}

/**
 * The clock the subscriber repository calls on a change of schedule or
 * status: the first send time after the subscriber's latest digest in the
 * ledger, by the schedule as it now stands (it may be past: then the next
 * tick sends today's digest, or works out the time again). Someone who
 * never had a digest is a candidate at the next tick.
 */
export function ledgerDueClock(ledger: { lastDigest(subscriberId: number): LastDigest | null }): DueClock {
  return (subscriberId, schedule) => {
    const last = ledger.lastDigest(subscriberId);
    return last ? nextDueAt(schedule, new Date(last.plannedAt), last) : new Date(0);
  };
}
