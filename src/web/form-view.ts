import { WEEKDAYS, type Preferences } from '../subscriptions/subscriber.js';
import type { FieldErrors } from '../subscriptions/subscription.schema.js';
import { selectedZone, zoneOptions } from './time-zone-options.js';

/** The form's fields as text, for putting back what a person typed. */
export interface FormValues {
  email: string;
  topics: string;
  frequency: string;
  weekday: string;
  send_hour: string;
  timezone: string;
  /** True when the time zone came from the person rather than the default, so scripts leave it alone. */
  timezoneChosen: boolean;
}

const HOURS = Array.from({ length: 24 }, (_, hour) => ({ value: String(hour), label: `${String(hour).padStart(2, '0')}:00` }));
const WEEKDAY_OPTIONS = WEEKDAYS.map((label, value) => ({ value: String(value), label }));

export const DEFAULT_VALUES: FormValues = {
  email: '',
  topics: '',
  frequency: 'daily',
  weekday: '1',
  send_hour: '8',
  timezone: 'UTC',
  timezoneChosen: false,
};

function text(value: unknown): string {
  if (Array.isArray(value)) return value.map(text).join('\n');
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/** What was posted, as text; anything missing falls back to the defaults. */
export function valuesFromBody(body: unknown): FormValues {
  const fields = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const pick = (name: keyof FormValues, fallback: string) => (fields[name] === undefined ? fallback : text(fields[name]));
  return {
    email: pick('email', ''),
    topics: pick('topics', ''),
    frequency: pick('frequency', DEFAULT_VALUES.frequency),
    weekday: pick('weekday', DEFAULT_VALUES.weekday),
    send_hour: pick('send_hour', DEFAULT_VALUES.send_hour),
    timezone: pick('timezone', DEFAULT_VALUES.timezone),
    timezoneChosen: fields.timezone !== undefined,
  };
}

export function valuesFromPreferences(prefs: Preferences): FormValues {
  return {
    email: '',
    topics: prefs.topics.map((topic) => topic.text).join('\n'),
    frequency: prefs.frequency,
    weekday: String(prefs.weekday ?? DEFAULT_VALUES.weekday),
    send_hour: String(prefs.sendHour),
    timezone: prefs.timezone,
    timezoneChosen: true,
  };
}

/** Everything the subscribe and preferences templates need besides their own fields. */
export function formView(values: FormValues, errors: FieldErrors | null, now: Date = new Date()) {
  const count = errors ? Object.keys(errors).length : 0;
  const options = zoneOptions(now);
  // An old spelling (Asia/Calcutta) selects its current name; a zone typed by hand that is not in the list still shows as chosen.
  const timezone = selectedZone(values.timezone);
  const timezones =
    !timezone || options.some((option) => option.value === timezone) ? options : [{ value: timezone, label: timezone, aliases: '' }, ...options];
  return {
    values: { ...values, timezone },
    errors: count > 0 ? errors : null,
    errorCount: count,
    oneError: count === 1,
    hours: HOURS,
    weekdays: WEEKDAY_OPTIONS,
    timezones,
  };
}
