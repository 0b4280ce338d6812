import { bareAddress, type MailReport, oneLine, ReportFormatError, type ReportKind } from './mail-report.js';
import { contentType, fieldGroups, findPart, header, type HeaderBlock, type MimeEntity, parseEntity, splitEntity, parseHeaders } from './mime-parts.js';

/** What arrived in the bounce mailbox: a report, or a `mailto:` unsubscribe request carrying its token. */
export type MailboxMessage = { type: 'report'; report: MailReport } | { type: 'unsubscribe'; token: string; from: string | null };

/** Feedback types (RFC 5965) that mean "this reader did not want it". */
const COMPLAINTS = new Set(['abuse', 'fraud']);
const UNSUBSCRIBE_SUBJECT = /^\s*unsubscribe\s+([0-9]+\.[0-9]+\.[A-Za-z0-9_-]{43})\s*$/i;

/**
 * Reads a message from the bounce mailbox: an RFC 3464 delivery status
 * notification, an RFC 5965 (ARF) feedback report, or an unsubscribe request
 * sent to UNSUBSCRIBE_MAILBOX. Anything else is refused.
 */
export function parseMailboxMessage(raw: Buffer): MailboxMessage {
  const text = raw.toString('utf8');
  const message = parseEntity(text);
  const subject = header(message.headers, 'subject') ?? '';
  const unsubscribe = UNSUBSCRIBE_SUBJECT.exec(subject);
  if (unsubscribe) return { type: 'unsubscribe', token: unsubscribe[1]!, from: bareAddress(header(message.headers, 'from')) };

  const report = findPart(message, 'multipart/report');
  const reportType = report ? contentType(report.headers).params['report-type']?.toLowerCase() : undefined;
  const status = report && findPart(report, 'message/delivery-status');
  const feedback = report && findPart(report, 'message/feedback-report');
  if (!report || (!status && !feedback)) {
    throw new ReportFormatError('not a delivery status notification (RFC 3464) or a feedback report (RFC 5965)');
  }
  const original = originalHeaders(report);
  const base = {
    source: 'mailbox' as const,
    sourceId: header(message.headers, 'message-id'),
    messageId: original ? header(original, 'message-id') : null,
    at: null,
    raw: text,
  };
  const ours = [
    ...['delivered-to', 'x-original-to', 'to'].flatMap((name) => message.headers.get(name) ?? []),
    ...(original ? (original.get('return-path') ?? []) : []),
  ];

  if (feedback && (reportType === 'feedback-report' || !status)) {
    const [fields = new Map()] = fieldGroups(feedback.body);
    const type = (header(fields, 'feedback-type') ?? '').toLowerCase();
    const recipients = (fields.get('original-rcpt-to') ?? []).concat(original?.get('to') ?? []);
    return {
      type: 'report',
      report: {
        ...base,
        kind: COMPLAINTS.has(type) ? 'complaint' : 'other',
        recipients: addresses(recipients.slice(0, 1)),
        returnPaths: addresses([...ours, ...(fields.get('original-mail-from') ?? [])]),
        detail: oneLine(`feedback report: ${type || 'no Feedback-Type'}${header(fields, 'user-agent') ? ` from ${header(fields, 'user-agent')}` : ''}`),
      },
    };
  }

  const [perMessage = new Map(), ...perRecipient] = fieldGroups(status!.body);
  const failures = perRecipient.map((fields) => ({ fields, kind: recipientKind(fields) }));
  const worst = failures.find((f) => f.kind === 'hard-bounce') ?? failures.find((f) => f.kind === 'soft-bounce') ?? failures[0];
  if (!worst) throw new ReportFormatError('the delivery status notification names no recipient');
  const same = failures.filter((f) => f.kind === worst.kind);
  return {
    type: 'report',
    report: {
      ...base,
      kind: worst.kind,
      recipients: addresses(same.map((f) => header(f.fields, 'original-recipient') ?? header(f.fields, 'final-recipient') ?? '')),
      returnPaths: addresses([...ours, ...(perMessage.get('x-postfix-sender') ?? [])]),
      detail: oneLine(
        `${header(worst.fields, 'action') ?? 'no action'} ${header(worst.fields, 'status') ?? ''}: ${header(worst.fields, 'diagnostic-code') ?? 'no diagnostic'}`,
      ),
    },
  };
}

/** failed with a 5.x.x status is for good; failed with 4.x.x is temporary; delayed, delivered and the rest change nothing. */
function recipientKind(fields: HeaderBlock): ReportKind {
  const action = (header(fields, 'action') ?? '').toLowerCase();
  if (action !== 'failed') return 'other';
  const status = /^([245])\.\d{1,3}\.\d{1,3}/.exec(header(fields, 'status') ?? '')?.[1];
  const smtp = /;\s*([245])\d\d\b/.exec(header(fields, 'diagnostic-code') ?? '')?.[1];
  return (status ?? smtp) === '4' ? 'soft-bounce' : 'hard-bounce';
}

/** The headers of the message that bounced or was reported, from its `message/rfc822` or `text/rfc822-headers` part. */
function originalHeaders(report: MimeEntity): HeaderBlock | null {
  const part = findPart(report, 'message/rfc822') ?? findPart(report, 'text/rfc822-headers') ?? findPart(report, 'message/rfc822-headers');
  return part ? parseHeaders(splitEntity(part.body).head) : null;
}

function addresses(values: readonly string[]): string[] {
  return [...new Set(values.map((value) => bareAddress(value)).filter((value): value is string => value !== null))];
}
