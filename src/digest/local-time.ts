/** An instant as a wall clock in one time zone shows it. */
export interface LocalTime {
  /** YYYY-MM-DD */
  date: string;
  /** 0–23 */
  hour: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
  /** The ISO-8601 week of `date`, such as 2026-W48. */
  isoWeek: string;
}

const WEEKDAY_NUMBERS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const DAY_MS = 86_400_000;

// Building a formatter costs far more than using one; a run meets each zone many times.
const formatters = new Map<string, Intl.DateTimeFormat>();

const FIELDS = {
  // The calendar day and hour a digest's key and due check need.
  hour: { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23', weekday: 'short' },
  // Down to the second, for offsets: a few zones sit 30 or 45 minutes off the hour.
  second: { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;

function formatter(timeZone: string, fields: keyof typeof FIELDS = 'hour'): Intl.DateTimeFormat {
  const id = `${fields} ${timeZone}`;
  let format = formatters.get(id);
  // Stryker disable next-line ConditionalExpression: building a formatter every time gives the same answers, only slower.
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, ...FIELDS[fields] });
    formatters.set(id, format);
  }
  return format;
}

/** The ISO week of a calendar day: weeks start on Monday, and week 1 holds the year's first Thursday. */
export function isoWeek(date: string): string {
  const day = new Date(`${date}T00:00:00Z`);
  const mondayBased = (day.getUTCDay() + 6) % 7;
  const thursday = new Date(day.getTime() + (3 - mondayBased) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/**
 * The wall clock in `timeZone` at `instant`. The zone's own rules (from the
 * ICU data in Node) decide, so daylight-saving changes are handled where they
 * happen rather than by offset arithmetic here.
 */
export function localTime(instant: Date, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const { type, value } of formatter(timeZone).formatToParts(instant)) parts[type] = value;
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  return { date, hour: Number(parts.hour), weekday: WEEKDAY_NUMBERS[parts.weekday!]!, isoWeek: isoWeek(date) };
}

/**
 * The wall clock of `timeZone` at `instant`, as the UTC milliseconds of the
 * same calendar fields (so 08:00 in Paris reads as 08:00 UTC). Its
 * difference from the instant is the zone's offset there.
 */
export function wallClockMs(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const { type, value } of formatter(timeZone, 'second').formatToParts(instant)) parts[type] = Number(value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}
