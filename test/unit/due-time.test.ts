import { describe, expect, it } from 'vitest';
import { digestKey } from '../../src/digest/digest-key.js';
import { DueCalendar, firstInstantAt, nextDueAt } from '../../src/digest/due-time.js';
import { localTime } from '../../src/digest/local-time.js';
import type { Schedule } from '../../src/subscriptions/subscriber.js';

const iso = (ms: number | Date) => new Date(ms).toISOString();
const daily = (timezone: string, sendHour = 8): Schedule => ({ frequency: 'daily', weekday: null, sendHour, timezone });
const weekly = (timezone: string, weekday: number, sendHour = 8): Schedule => ({ frequency: 'weekly', weekday, sendHour, timezone });

describe('firstInstantAt', () => {
  it('turns a local send hour into the instant, whatever the offset', () => {
    expect(iso(firstInstantAt('2026-11-27', 8, 'Europe/Paris'))).toBe('2026-11-27T07:00:00.000Z');
    expect(iso(firstInstantAt('2026-11-27', 8, 'Asia/Tokyo'))).toBe('2026-11-26T23:00:00.000Z');
    // Half- and three-quarter-hour zones: a time rounded to the hour would be late.
    expect(iso(firstInstantAt('2026-11-27', 8, 'Asia/Kolkata'))).toBe('2026-11-27T02:30:00.000Z');
    expect(iso(firstInstantAt('2026-11-27', 8, 'Asia/Kathmandu'))).toBe('2026-11-27T02:15:00.000Z');
  });

  it('takes the jump for an hour a spring-forward day skips, and the first of an hour a fall-back day repeats', () => {
    // New York: 2027-03-14 02:00 EST jumps to 03:00 EDT (07:00 UTC); 2026-11-01 01:00 happens at 05:00 and 06:00 UTC.
    expect(iso(firstInstantAt('2027-03-14', 2, 'America/New_York'))).toBe('2027-03-14T07:00:00.000Z');
    expect(iso(firstInstantAt('2027-03-14', 3, 'America/New_York'))).toBe('2027-03-14T07:00:00.000Z');
    expect(iso(firstInstantAt('2026-11-01', 1, 'America/New_York'))).toBe('2026-11-01T05:00:00.000Z');
    expect(iso(firstInstantAt('2026-11-01', 2, 'America/New_York'))).toBe('2026-11-01T07:00:00.000Z');
    // Lord Howe moves its clocks by half an hour: 02:00 becomes 02:30 (UTC+11).
    expect(iso(firstInstantAt('2026-10-04', 2, 'Australia/Lord_Howe'))).toBe('2026-10-03T15:30:00.000Z');
  });
});

describe('nextDueAt', () => {
  const morning = new Date('2026-11-27T10:00:00Z'); // Friday, 11:00 in Paris

  it('is now when today\'s send hour has passed and today has no digest yet, as a run after downtime sends', () => {
    expect(iso(nextDueAt(daily('Europe/Paris'), morning, null))).toBe(iso(morning));
    expect(iso(nextDueAt(daily('Europe/Paris'), morning, { key: '2026-11-26', plannedAt: '2026-11-26T07:00:00Z' }))).toBe(iso(morning));
  });

  it('is today\'s send hour before it comes, and tomorrow\'s once today\'s digest is in the ledger', () => {
    expect(iso(nextDueAt(daily('Europe/Paris', 14), morning, null))).toBe('2026-11-27T13:00:00.000Z');
    expect(iso(nextDueAt(daily('Europe/Paris'), morning, { key: '2026-11-27', plannedAt: '2026-11-27T07:00:00Z' }))).toBe('2026-11-28T07:00:00.000Z');
  });

  it('agrees with the tick about when a digest is due, across both New York clock changes', () => {
    for (const sendHour of [0, 1, 2, 3, 23]) {
      const schedule = daily('America/New_York', sendHour);
      let last: { key: string; plannedAt: string } | null = null;
      // Every 15 minutes through both changes: due exactly when the tick would plan, and then not again that day.
      for (const [from, to] of [['2026-10-31T04:00:00Z', '2026-11-03T05:00:00Z'], ['2027-03-13T05:00:00Z', '2027-03-16T05:00:00Z']] as const) {
        for (let t = Date.parse(from); t <= Date.parse(to); t += 15 * 60_000) {
          const now = new Date(t);
          const key = digestKey(schedule, localTime(now, schedule.timezone));
          const dueNow = nextDueAt(schedule, now, last).getTime() <= t;
          expect(dueNow, `${sendHour}:00 at ${iso(now)}`).toBe(key !== null && key !== last?.key);
          if (dueNow) last = { key: key!, plannedAt: iso(now) };
        }
      }
    }
  });

  it('is the next weekday for a weekly digest, skipping a week that already had its digest', () => {
    // Monday digest sent on Monday 23 November (week 48); next is Monday 30 November, 09:00 in Berlin.
    const sent = { key: '2026-W48', plannedAt: '2026-11-23T08:00:00Z' };
    expect(iso(nextDueAt(weekly('Europe/Berlin', 1, 9), new Date('2026-11-24T12:00:00Z'), sent))).toBe('2026-11-30T08:00:00.000Z');
    // Moved to Friday mid-week: Friday 27th is still week 48, which had its digest, so Friday 4 December.
    expect(iso(nextDueAt(weekly('Europe/Berlin', 5, 9), new Date('2026-11-24T12:00:00Z'), sent))).toBe('2026-12-04T08:00:00.000Z');
    // Never had one: this Friday.
    expect(iso(nextDueAt(weekly('Europe/Berlin', 5, 9), new Date('2026-11-24T12:00:00Z'), null))).toBe('2026-11-27T08:00:00.000Z');
  });

  it('never gives a second digest on a local day that had one, when frequency or zone change mid-day', () => {
    const dailyToday = { key: '2026-11-27', plannedAt: '2026-11-27T07:00:00Z' };
    // Daily digest went out this Friday morning in Paris; now weekly on Fridays: week 48 is new, but today had a digest.
    expect(iso(nextDueAt(weekly('Europe/Paris', 5), morning, dailyToday))).toBe('2026-12-04T07:00:00.000Z');
    // Tokyo's digest for the 28th went out at 08:00 there (23:00 UTC on the 27th); moving to New York that
    // evening (18:30 there, past 08:00), New York's 27th is a day that already had a digest.
    const tokyo = { key: '2026-11-28', plannedAt: '2026-11-27T23:00:00Z' };
    expect(iso(nextDueAt(daily('America/New_York'), new Date('2026-11-27T23:30:00Z'), tokyo))).toBe('2026-11-29T13:00:00.000Z');
    // Moving the other way gives the new zone's next day as usual.
    const newYork = { key: '2026-11-27', plannedAt: '2026-11-27T13:00:00Z' };
    expect(iso(nextDueAt(daily('Asia/Tokyo'), new Date('2026-11-27T14:00:00Z'), newYork))).toBe('2026-11-27T23:00:00.000Z');
  });
});

describe('DueCalendar', () => {
  it('gives each subscriber planned in a tick the next send time after their key', () => {
    const calendar = new DueCalendar(new Date('2026-11-27T12:00:00Z'));
    expect(calendar.after(daily('Europe/Paris'), '2026-11-27')).toBe('2026-11-28T07:00:00.000Z');
    expect(calendar.after(daily('Asia/Tokyo'), '2026-11-27')).toBe('2026-11-27T23:00:00.000Z');
    expect(calendar.after(weekly('Europe/Paris', 5), '2026-W48')).toBe('2026-12-04T07:00:00.000Z');
  });
});
