import { z } from 'zod';
import { bareAddress, type MailReport, oneLine, ReportFormatError, type ReportKind } from './mail-report.js';

/**
 * An Amazon SES bounce or complaint notification, the `Message` of an SNS
 * notification (https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html).
 * Event publishing names the type `eventType` instead of `notificationType`;
 * both are read.
 */
const recipient = z.object({ emailAddress: z.string().max(320), status: z.string().max(50).optional(), diagnosticCode: z.string().max(2000).optional() });

const notification = z.object({
  notificationType: z.string().max(50).optional(),
  eventType: z.string().max(50).optional(),
  bounce: z
    .object({
      bounceType: z.string().max(50),
      bounceSubType: z.string().max(50).optional(),
      bouncedRecipients: z.array(recipient).max(100),
      timestamp: z.string().max(100).optional(),
      feedbackId: z.string().max(200).optional(),
    })
    .optional(),
  complaint: z
    .object({
      complainedRecipients: z.array(recipient.pick({ emailAddress: true })).max(100),
      complaintFeedbackType: z.string().max(100).optional(),
      timestamp: z.string().max(100).optional(),
      feedbackId: z.string().max(200).optional(),
    })
    .optional(),
  mail: z.object({
    source: z.string().max(320).optional(),
    messageId: z.string().max(200).optional(),
    headers: z.array(z.object({ name: z.string(), value: z.string() })).max(200).optional(),
    commonHeaders: z.object({ messageId: z.string().max(998).optional() }).optional(),
  }),
});

/** A report for a Bounce or Complaint; null for other notifications (Delivery, Send…), which need no action. */
export function parseSesNotification(message: string, snsMessageId: string, raw: string): MailReport | null {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    throw new ReportFormatError('the SNS Message is not an SES notification (not JSON)');
  }
  const parsed = notification.safeParse(json);
  if (!parsed.success) throw new ReportFormatError(`the SNS Message is not an SES notification: ${parsed.error.issues[0]?.path.join('.')} is missing or wrong`);
  const n = parsed.data;
  const type = n.notificationType ?? n.eventType;
  const headers = n.mail.headers ?? [];
  const ourId = headers.find((h) => h.name.toLowerCase() === 'message-id')?.value ?? n.mail.commonHeaders?.messageId ?? null;
  const base = {
    source: 'ses' as const,
    sourceId: snsMessageId,
    messageId: ourId && /^<[^<>\s]+>$/.test(ourId) ? ourId : null,
    returnPaths: [bareAddress(n.mail.source)].filter((a): a is string => a !== null),
    raw,
  };
  if (type === 'Bounce' && n.bounce) {
    const b = n.bounce;
    // Undetermined: SES could not tell. Counting it as soft keeps one odd report from suppressing anyone.
    const kind: ReportKind = b.bounceType === 'Permanent' ? 'hard-bounce' : 'soft-bounce';
    const first = b.bouncedRecipients[0];
    return {
      ...base,
      kind,
      recipients: b.bouncedRecipients.map((r) => bareAddress(r.emailAddress)).filter((a): a is string => a !== null),
      detail: oneLine(`${b.bounceType}/${b.bounceSubType ?? '-'}: ${first?.status ?? ''} ${first?.diagnosticCode ?? ''}`),
      at: validTime(b.timestamp),
    };
  }
  if (type === 'Complaint' && n.complaint) {
    const c = n.complaint;
    return {
      ...base,
      kind: 'complaint',
      recipients: c.complainedRecipients.map((r) => bareAddress(r.emailAddress)).filter((a): a is string => a !== null),
      detail: oneLine(`complaint: ${c.complaintFeedbackType ?? 'no feedback type'}`),
      at: validTime(c.timestamp),
    };
  }
  return null;
}

function validTime(value: string | undefined): string | null {
  return value && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : null;
}
