import { WEEKDAYS, type Schedule } from '../subscriptions/subscriber.js';
import { digestKey } from './digest-key.js';
import { localTime } from './local-time.js';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * When a subscriber who starts now gets their first digest, in words:
 * "in the next few minutes", "today at 08:00 (Europe/Paris)", "tomorrow at
 * …" or "on Wednesday 3 December at 07:00 (Asia/Tokyo)". It follows the
 * scheduler's own rule (digestKey): a digest is due once the send hour has
 * passed on the local day, so a reader who starts after today's hour gets
 * today's digest at the next tick, not tomorrow's.
 */
export function firstDigestWhen(schedule: Schedule, now: Date): string {
  const local = localTime(now, schedule.timezone);
  if (digestKey(schedule, local) !== null) return 'in the next few minutes';
  const at = `at ${String(schedule.sendHour).padStart(2, '0')}:00 (${schedule.timezone})`;
  // Not due yet: daily waits for today's hour; weekly for its weekday, which may be today before the hour.
  const days = schedule.frequency === 'weekly' && schedule.weekday !== null ? (schedule.weekday - local.weekday + 7) % 7 : 0;
  if (days === 0) return `today ${at}`;
  if (days === 1) return `tomorrow ${at}`;
  const date = new Date(Date.parse(`${local.date}T12:00:00Z`) + days * 86_400_000);
  return `on ${WEEKDAYS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${at}`;
}
