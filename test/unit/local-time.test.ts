import { describe, expect, it } from 'vitest';
import { digestKey } from '../../src/digest/digest-key.js';
import { isoWeek, localTime } from '../../src/digest/local-time.js';

describe('localTime', () => {
  it('reads the wall clock of the zone, including the date change', () => {
    expect(localTime(new Date('2026-11-26T23:00:00Z'), 'Asia/Tokyo')).toEqual({ date: '2026-11-27', hour: 8, weekday: 5, isoWeek: '2026-W48' });
    expect(localTime(new Date('2026-11-27T04:30:00Z'), 'America/New_York')).toMatchObject({ date: '2026-11-26', hour: 23, weekday: 4 });
    expect(localTime(new Date('2026-11-27T00:00:00Z'), 'Asia/Kolkata')).toMatchObject({ date: '2026-11-27', hour: 5 });
  });

  it('follows daylight-saving time where the zone has it', () => {
    // New York: 2027-03-14 02:00 EST jumps to 03:00 EDT; 2026-11-01 02:00 EDT falls back to 01:00 EST.
    expect(localTime(new Date('2027-03-14T06:59:00Z'), 'America/New_York').hour).toBe(1);
    expect(localTime(new Date('2027-03-14T07:00:00Z'), 'America/New_York').hour).toBe(3);
    expect(localTime(new Date('2026-11-01T05:30:00Z'), 'America/New_York').hour).toBe(1);
    expect(localTime(new Date('2026-11-01T06:30:00Z'), 'America/New_York').hour).toBe(1);
  });
});

describe('isoWeek', () => {
  it.each([
    ['2026-11-27', '2026-W48'],
    ['2026-12-28', '2026-W53'],
    ['2027-01-03', '2026-W53'],
    ['2027-01-04', '2027-W01'],
    ['2024-12-30', '2025-W01'],
    ['2021-01-03', '2020-W53'],
  ])('%s is in %s', (date, week) => {
    expect(isoWeek(date)).toBe(week);
  });
});

describe('digestKey', () => {
  const daily = { frequency: 'daily' as const, weekday: null, sendHour: 8 };
  const weekly = { frequency: 'weekly' as const, weekday: 1, sendHour: 8 };
  const at = (iso: string, zone = 'UTC') => localTime(new Date(iso), zone);

  it('is due from the send hour to the end of the local day, keyed by the local date', () => {
    expect(digestKey(daily, at('2026-11-27T07:59:00Z'))).toBeNull();
    expect(digestKey(daily, at('2026-11-27T08:00:00Z'))).toBe('2026-11-27');
    expect(digestKey(daily, at('2026-11-27T23:59:00Z'))).toBe('2026-11-27');
    expect(digestKey(daily, at('2026-11-28T00:00:00Z'))).toBeNull();
  });

  it('is due for weekly subscribers on their weekday only, keyed by the ISO week', () => {
    expect(digestKey(weekly, at('2026-11-30T09:00:00Z'))).toBe('2026-W49');
    expect(digestKey(weekly, at('2026-12-01T09:00:00Z'))).toBeNull();
    expect(digestKey(weekly, at('2026-11-29T09:00:00Z'))).toBeNull();
  });
});
