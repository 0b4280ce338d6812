import { HeaderInjectionError } from './mailer.js';
import { clip, oneLine } from '../text.js';
import { QuotaExceededError } from './send-quota.js';

/**
 * What a failed hand-off means for the message:
 *   bounce     the relay refused this recipient or message for good (5xx to RCPT TO or DATA)
 *   transient  worth another try later: a 4xx, a dropped or refused connection, a timeout
 *   invalid    the message itself can never be sent (a header would carry a line break)
 *   deferred   never handed over: the daily send quota is used up; not an attempt
 *   refused    never handed over: the relay refused our session, not this message (a login it
 *              rejects, a sender it does not allow), so every message would fail alike; not an attempt
 */
export type SendFailureKind = 'bounce' | 'transient' | 'invalid' | 'deferred' | 'refused';

export interface SendFailure {
  kind: SendFailureKind;
  /** The SMTP reply code, when the relay gave one. */
  responseCode: number | null;
  /** One line, fit for the ledger and the log. */
  message: string;
  /** No SMTP reply at all: the relay could not be reached or hung up. */
  connection: boolean;
}

/** What nodemailer's SMTP errors carry. */
export interface SmtpError {
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/** nodemailer's and Node's codes for a relay that could not be reached, answered nonsense or hung up. */
const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/** SMTP stages at which a 5xx is about this recipient or this message, not about our session with the relay. */
const RECIPIENT_STAGES = /^(RCPT TO|DATA)\b/i;

/** Stages at which a 5xx is about our session: who we logged in as, or whom we send as. */
const SESSION_STAGES = /^(AUTH|MAIL FROM)\b/i;

/**
 * Classifies an error from the transport. A 5xx at login or MAIL FROM says
 * the relay is misconfigured (wrong password, sender not allowed), not that
 * the subscriber's address is bad: suppressing every subscriber over a typo
 * in SMTP_URL would be far worse than stopping. So it is `refused`, which
 * uses no attempt and stops the run, as a relay that cannot be reached does;
 * going on would only spend every digest's retries and repeat a failed login
 * the relay may lock us out for.
 */
export function classifySendError(err: unknown): SendFailure {
  const e = (err ?? {}) as SmtpError;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : null;
  const message = clip(oneLine(e.response ?? e.message ?? String(err)), 500);
  if (err instanceof HeaderInjectionError) return { kind: 'invalid', responseCode, message, connection: false };
  if (err instanceof QuotaExceededError) return { kind: 'deferred', responseCode, message, connection: false };
  const permanent = responseCode !== null && responseCode >= 500 && responseCode < 600;
  if (permanent && RECIPIENT_STAGES.test(e.command ?? '')) return { kind: 'bounce', responseCode, message, connection: false };
  if (e.code === 'EAUTH' || (permanent && SESSION_STAGES.test(e.command ?? ''))) return { kind: 'refused', responseCode, message, connection: false };
  return { kind: 'transient', responseCode, message, connection: responseCode === null && CONNECTION_CODES.has(e.code ?? '') };
}

