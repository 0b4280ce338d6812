import { z } from 'zod';
import { TopicError, parseTopics } from '../topics/topic-grammar.js';
import type { Preferences } from './subscriber.js';
import { currentZoneName } from './time-zone-names.js';

/**
 * Validation of what a visitor types, shared by the subscribe form, its JSON
 * twin and the preferences page. Every message says what to change.
 */

/** RFC 5321's limit on a forward path. */
export const MAX_EMAIL_LENGTH = 254;

const EMAIL_ERROR = 'Enter an email address such as ada@example.com.';

/** One value: a form field sent twice arrives as an array, which is never meant. */
const single = (field: string) =>
  z.preprocess(
    (value) => (typeof value === 'number' ? String(value) : value),
    z.string({ error: (issue) => (issue.input === undefined ? `Enter ${field}.` : `Send ${field} once, as text.`) }),
  );

export const emailSchema = single('your email address')
  .transform((value) => value.trim())
  .pipe(
    z
      .string()
      .min(1, { error: 'Enter your email address.' })
      .max(MAX_EMAIL_LENGTH, { error: `That email address is longer than ${MAX_EMAIL_LENGTH} characters.` })
      // z.email() would reject these too; checked first so the message names the problem.
      .refine((value) => !/[\r\n]/.test(value), { error: 'An email address is one line: remove the line break.' })
      .pipe(z.email({ error: EMAIL_ERROR }))
      .refine((value) => value.split('@')[0]!.length <= 64, { error: 'The part before the @ is longer than 64 characters.' })
      // Domains are case-insensitive; the local part is kept as typed.
      .transform((value) => {
        const at = value.lastIndexOf('@');
        return `${value.slice(0, at)}@${value.slice(at + 1).toLowerCase()}`;
      }),
  );

/**
 * Zones already looked up. Asking Intl costs a formatter per call, and a
 * form post names one of a few hundred zones; the cap keeps made-up names
 * from filling memory.
 */
const zones = new Map<string, string | null>();
const MAX_ZONES = 2_000;

/** Whether `name` is an IANA time zone this runtime knows; returns its current spelling (Asia/Kolkata for Asia/Calcutta). */
export function canonicalTimezone(name: string): string | null {
  // Offsets and other non-zone strings are refused even where Intl accepts them.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/.test(name) || name.length > 64) return null;
  let zone = zones.get(name);
  if (zone === undefined) {
    try {
      zone = currentZoneName(new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone);
    } catch {
      zone = null;
    }
    if (zones.size >= MAX_ZONES) zones.clear();
    zones.set(name, zone);
  }
  return zone;
}

const timezoneSchema = single('a time zone').pipe(
  z.string().transform((value, ctx) => {
    const zone = canonicalTimezone(value.trim());
    if (zone) return zone;
    ctx.addIssue({ code: 'custom', message: 'Choose a time zone from the list, such as Europe/Paris or UTC.' });
    return z.NEVER;
  }),
);

const wholeNumber = (field: string, min: number, max: number) =>
  single(field).pipe(
    z
      .string()
      .regex(/^\d{1,2}$/, { error: `Choose ${field} from ${min} to ${max}.` })
      .transform(Number)
      .pipe(z.number().min(min, { error: `Choose ${field} from ${min} to ${max}.` }).max(max, { error: `Choose ${field} from ${min} to ${max}.` })),
  );

const topicsSchema = z
  .union([z.string(), z.array(z.string())], { error: 'Enter at least one topic, one per line, such as LoRA.' })
  .transform((value, ctx) => {
    try {
      const topics = parseTopics(value);
      if (topics.length === 0) {
        ctx.addIssue({ code: 'custom', message: 'Enter at least one topic, one per line, such as LoRA.' });
        return z.NEVER;
      }
      return topics.map(({ text, key }) => ({ text, key }));
    } catch (err) {
      if (!(err instanceof TopicError)) throw err;
      // One line per topic at fault: the form lists them, so all can be fixed before the next try.
      ctx.addIssue({ code: 'custom', message: err.problems.join('\n') });
      return z.NEVER;
    }
  });

const preferencesShape = {
  topics: topicsSchema,
  frequency: single('how often').pipe(z.enum(['daily', 'weekly'], { error: 'Choose daily or weekly.' })).default('daily'),
  // Only weekly digests use it; a daily form still sends the select's value.
  weekday: z.unknown().optional(),
  send_hour: wholeNumber('a send hour', 0, 23).default(8),
  timezone: timezoneSchema.default('UTC'),
};

function withWeekday<T extends { frequency: 'daily' | 'weekly'; weekday?: unknown }>(value: T, ctx: z.RefinementCtx) {
  if (value.frequency === 'daily') return { ...value, weekday: null };
  const day = wholeNumber('a weekday', 0, 6).safeParse(value.weekday ?? undefined);
  if (!day.success) {
    ctx.addIssue({ code: 'custom', path: ['weekday'], message: 'Choose the weekday for your weekly digest.' });
    return z.NEVER;
  }
  return { ...value, weekday: day.data };
}

const toPreferences = (value: {
  topics: Preferences['topics'];
  frequency: Preferences['frequency'];
  weekday: number | null;
  send_hour: number;
  timezone: string;
}): Preferences => ({
  topics: value.topics,
  frequency: value.frequency,
  weekday: value.weekday,
  sendHour: value.send_hour,
  timezone: value.timezone,
});

export const preferencesSchema = z.object(preferencesShape).transform(withWeekday).transform(toPreferences);

export const subscribeSchema = z
  .object({ email: emailSchema, ...preferencesShape, website: z.unknown().optional() })
  .transform(withWeekday)
  .transform((value) => ({
    email: value.email,
    // A hidden field people never see; anything in it was typed by a bot.
    isBot: value.website !== undefined && value.website !== '',
    preferences: toPreferences(value),
  }));

export type SubscribeInput = z.output<typeof subscribeSchema>;

/** Field name → the first message about it, for a form to show beside the field. */
export type FieldErrors = Record<string, string>;

export function fieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.message;
  }
  return errors;
}
