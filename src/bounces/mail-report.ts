/**
 * A bounce or complaint, whichever way it arrived (SES through SNS, the
 * Postmark webhook, or a DSN/ARF message in the bounce mailbox), in one shape
 * the service can act on.
 */
export type ReportSource = 'ses' | 'postmark' | 'mailbox';

/**
 *   hard-bounce  the address refused mail for good: suppress at once
 *   soft-bounce  a temporary failure (mailbox full, greylisted, expired): counted
 *   complaint    the reader marked the message as spam: suppress at once
 *   other        stored, not acted on (delay warnings, auto-replies)
 */
export type ReportKind = 'hard-bounce' | 'soft-bounce' | 'complaint' | 'other';

export interface MailReport {
  source: ReportSource;
  /** The provider's id for this report, for telling a redelivery from a new report. */
  sourceId: string | null;
  kind: ReportKind;
  /** The addresses the report is about; lower-cased. May be empty when only the VERP address is known. */
  recipients: string[];
  /** The Message-ID of the message that bounced, `<…@…>`, when the report carries it. */
  messageId: string | null;
  /** Addresses that may be our VERP return path (the report's recipient, the original's Return-Path). */
  returnPaths: string[];
  /** One line: the diagnostic or the feedback type. */
  detail: string;
  /** When the provider says the bounce or complaint happened (ISO), or null. */
  at: string | null;
  /** The report as it arrived. */
  raw: string;
}

/** A report that cannot be read: the caller answers 4xx (or exits 2) and stores nothing. */
export class ReportFormatError extends Error {
  override name = 'ReportFormatError';
}

/** Lower-cased bare address, or null when the text holds none. */
export function bareAddress(value: string | null | undefined): string | null {
  if (!value) return null;
  const inner = /<([^<>\s]+@[^<>\s]+)>/.exec(value)?.[1] ?? value.trim().replace(/^rfc822;\s*/i, '');
  return /^[^\s@<>]+@[^\s@<>]+$/.test(inner) ? inner.toLowerCase() : null;
}

/** Collapses whitespace and bounds the length, for the ledger and the log. */
export function oneLine(text: string, max = 500): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
