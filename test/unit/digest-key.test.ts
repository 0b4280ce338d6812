import { describe, expect, it } from 'vitest';
import { digestDate, periodKey } from '../../src/digest/digest-key.js';
import { localTime } from '../../src/digest/local-time.js';

describe('periodKey', () => {
  // Friday 2026-11-27 in Tokyo, still Thursday the 26th in New York.
  const instant = new Date('2026-11-26T23:00:00Z');

  it('names the local day for a daily digest, before and after the send hour alike', () => {
    expect(periodKey('daily', localTime(instant, 'Asia/Tokyo'))).toBe('2026-11-27');
    expect(periodKey('daily', localTime(instant, 'America/New_York'))).toBe('2026-11-26');
    expect(periodKey('daily', localTime(new Date('2026-11-27T00:00:00Z'), 'UTC'))).toBe('2026-11-27');
  });

  it('names the ISO week of the local day for a weekly digest', () => {
    expect(periodKey('weekly', localTime(instant, 'Asia/Tokyo'))).toBe('2026-W48');
    // Sunday 2026-11-29 is the last day of week 48; Monday starts week 49.
    expect(periodKey('weekly', localTime(new Date('2026-11-29T23:00:00Z'), 'UTC'))).toBe('2026-W48');
    expect(periodKey('weekly', localTime(new Date('2026-11-29T23:00:00Z'), 'Europe/Berlin'))).toBe('2026-W49');
  });
});

describe('digestDate', () => {
  const plannedAt = '2026-11-30T23:30:00.000Z';

  it('is the key itself for a daily digest, wherever and whenever it was planned', () => {
    expect(digestDate('2026-11-27', plannedAt, 'UTC')).toBe('2026-11-27');
    expect(digestDate('2026-11-27', plannedAt, 'Asia/Tokyo')).toBe('2026-11-27');
  });

  it('is the local day the digest was planned for a weekly digest', () => {
    expect(digestDate('2026-W49', plannedAt, 'UTC')).toBe('2026-11-30');
    expect(digestDate('2026-W49', plannedAt, 'Asia/Tokyo')).toBe('2026-12-01');
  });
});
