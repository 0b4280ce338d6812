import { describe, expect, it } from 'vitest';
import { firstDigestWhen } from '../../src/digest/first-digest.js';
import type { Schedule } from '../../src/subscriptions/subscriber.js';

const daily = (sendHour: number, timezone = 'UTC'): Schedule => ({ frequency: 'daily', weekday: null, sendHour, timezone });
const weekly = (weekday: number, sendHour: number, timezone = 'UTC'): Schedule => ({ frequency: 'weekly', weekday, sendHour, timezone });

// 2026-11-27 is a Friday (weekday 5).
const FRIDAY_10_UTC = new Date('2026-11-27T10:00:00Z');

describe('firstDigestWhen', () => {
  it('says today when the daily hour is still ahead', () => {
    expect(firstDigestWhen(daily(18), FRIDAY_10_UTC)).toBe('today at 18:00 (UTC)');
  });

  it('says the next few minutes when the hour has passed today, as the scheduler sends a missed hour the same day', () => {
    expect(firstDigestWhen(daily(8), FRIDAY_10_UTC)).toBe('in the next few minutes');
    expect(firstDigestWhen(daily(10), FRIDAY_10_UTC)).toBe('in the next few minutes');
  });

  it('reads the hour and day in the subscriber zone', () => {
    // 10:00 UTC is 19:00 in Tokyo: an 08:00 digest there went out hours ago, so a new reader gets theirs now.
    expect(firstDigestWhen(daily(8, 'Asia/Tokyo'), FRIDAY_10_UTC)).toBe('in the next few minutes');
    // 10:00 UTC is 05:00 in New York, before a 07:00 send.
    expect(firstDigestWhen(daily(7, 'America/New_York'), FRIDAY_10_UTC)).toBe('today at 07:00 (America/New_York)');
  });

  it('waits for the weekday of a weekly digest', () => {
    expect(firstDigestWhen(weekly(5, 18), FRIDAY_10_UTC)).toBe('today at 18:00 (UTC)');
    expect(firstDigestWhen(weekly(5, 9), FRIDAY_10_UTC)).toBe('in the next few minutes');
    expect(firstDigestWhen(weekly(6, 7), FRIDAY_10_UTC)).toBe('tomorrow at 07:00 (UTC)');
    expect(firstDigestWhen(weekly(3, 7, 'Asia/Tokyo'), FRIDAY_10_UTC)).toBe('on Wednesday 2 December at 07:00 (Asia/Tokyo)');
    // The day before in New York: Thursday 26th, so Friday is tomorrow.
    expect(firstDigestWhen(weekly(5, 7, 'America/New_York'), new Date('2026-11-27T03:00:00Z'))).toBe('tomorrow at 07:00 (America/New_York)');
  });

  it('crosses a month end', () => {
    expect(firstDigestWhen(weekly(4, 7), FRIDAY_10_UTC)).toBe('on Thursday 3 December at 07:00 (UTC)');
  });
});
