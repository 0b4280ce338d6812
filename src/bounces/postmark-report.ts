import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { type MailReport, oneLine, ReportFormatError, type ReportKind } from './mail-report.js';

/**
 * Postmark's bounce and spam-complaint webhooks
 * (https://postmarkapp.com/developer/webhooks/bounce-webhook and
 * …/spam-complaint-webhook). Both post one JSON object per event.
 */
const payload = z.object({
  RecordType: z.enum(['Bounce', 'SpamComplaint']),
  ID: z.union([z.number(), z.string().max(100)]),
  Type: z.string().max(100),
  Email: z.string().max(320),
  MessageID: z.string().max(200).optional(),
  Description: z.string().max(2000).optional().nullable(),
  Details: z.string().max(5000).optional().nullable(),
  BouncedAt: z.string().max(100).optional().nullable(),
  Inactive: z.boolean().optional(),
});

/** Types that say the address will never take mail. Postmark also deactivates (Inactive) those. */
const HARD = new Set(['HardBounce', 'BadEmailAddress', 'ManuallyDeactivated', 'SpamNotification']);
const SOFT = new Set(['SoftBounce', 'Transient', 'DnsError', 'Blocked', 'SMTPApiError']);

export function parsePostmarkReport(body: unknown, raw: string): MailReport {
  const parsed = payload.safeParse(body);
  if (!parsed.success) {
    throw new ReportFormatError(`not a Postmark bounce or spam-complaint webhook: ${parsed.error.issues[0]?.path.join('.') || 'body'} is missing or wrong`);
  }
  const p = parsed.data;
  const email = p.Email.trim().toLowerCase();
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(email)) throw new ReportFormatError('the Postmark webhook\'s Email is not an address');
  let kind: ReportKind;
  if (p.RecordType === 'SpamComplaint' || p.Type === 'SpamComplaint') kind = 'complaint';
  else if (HARD.has(p.Type) || p.Inactive === true) kind = 'hard-bounce';
  else if (SOFT.has(p.Type)) kind = 'soft-bounce';
  else kind = 'other';
  const at = p.BouncedAt && !Number.isNaN(Date.parse(p.BouncedAt)) ? new Date(p.BouncedAt).toISOString() : null;
  return {
    source: 'postmark',
    sourceId: `${p.RecordType}:${p.ID}`,
    kind,
    recipients: [email],
    // Postmark's MessageID is its own, not the Message-ID header we set.
    messageId: null,
    returnPaths: [],
    detail: oneLine(`${p.Type}: ${p.Description ?? ''} ${p.Details ?? ''}`),
    at,
    raw,
  };
}

/** Checks an `Authorization: Basic …` header against the configured pair, in constant time. */
export function basicAuthMatches(header: string | undefined, expected: { user: string; password: string }): boolean {
  const given = /^Basic ([A-Za-z0-9+/=]{1,1000})$/.exec(header ?? '')?.[1];
  if (!given) return false;
  // Hashing first gives equal-length buffers whatever was sent.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(Buffer.from(given, 'base64').toString('utf8')), digest(`${expected.user}:${expected.password}`));
}

