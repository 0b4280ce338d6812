import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { isLoopback } from '../config.js';
import type { OutgoingEmail } from './mailer.js';
import type { Outbox } from './outbox.js';
import { SmtpPool, type SmtpPoolOptions } from './smtp-pool.js';

export interface DkimSettings {
  domain: string;
  selector: string;
  privateKey: string;
}

/** What a transport reports for one accepted message. */
export interface SentMessage {
  messageId: string;
  /** The relay's final reply ("250 2.0.0 queued as …"), or where the outbox put the file. */
  response: string;
}

/** A message built by the mailer, ready to hand over as it is. */
export interface OutboundMessage {
  envelope: { from: string; to: string };
  messageId: string;
  /** The whole message as SMTP carries it, headers included. */
  raw: Buffer;
  /** When the message was sent, as its Date header says; send quotas count from it (now when absent). */
  date?: Date;
  /** What the message says, for logs and for tests about what was sent. */
  email: Required<Omit<OutgoingEmail, 'returnPath' | 'template'>> & Pick<OutgoingEmail, 'template'>;
}

/** The one thing the mailer needs from a way of sending: hand over a message, and close. */
export interface MailTransport {
  readonly kind: 'smtp' | 'outbox';
  send(message: OutboundMessage): Promise<SentMessage>;
  close(): Promise<void>;
}

/** The outbox's nodemailer takes the mailer's bytes as they are; DKIM, when set, signs them on the way. */
const rawOptions = ({ envelope, raw, messageId }: Pick<OutboundMessage, 'envelope' | 'raw' | 'messageId'>): Mail.Options => ({ envelope, raw, messageId });

/**
 * SMTP timeouts, set explicitly: nodemailer's defaults (two minutes for a
 * connection, ten for an idle socket) would let one dead relay stall a digest
 * run for a long time.
 */
export const SMTP_TIMEOUTS = {
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 30_000,
  dnsTimeout: 10_000,
} as const;

export interface SmtpOptions {
  /** Parallel connections to the relay. */
  maxConnections?: number;
}

/**
 * Where `SMTP_URL` points: `smtp://user:pass@host:port`, or `smtps://` for
 * implicit TLS. With a user name and password, a relay on another machine
 * must offer STARTTLS: a relay that does not (or an attacker on the path who
 * strips its offer) would otherwise be sent the password in clear. A relay on
 * this machine (a local Postfix) may speak plain SMTP.
 */
export function smtpEndpoint(smtpUrl: string): Pick<SmtpPoolOptions, 'host' | 'port' | 'secure' | 'requireTLS' | 'auth'> {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const auth = url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : null;
  return { host, port: url.port ? Number(url.port) : secure ? 465 : 587, secure, requireTLS: !secure && auth !== null && !isLoopback(host), auth };
}

/**
 * The header fields a signature covers: every one paperboy writes. RFC 8058
 * honours one-click unsubscribe only when List-Unsubscribe-Post is signed,
 * and Gmail reports complaints by Feedback-ID only when it is signed, which
 * nodemailer's default list leaves out.
 */
export const DKIM_SIGNED_FIELDS = [
  'From', 'Sender', 'Reply-To', 'To', 'Cc', 'Subject', 'Date', 'Message-ID', 'MIME-Version', 'Content-Type',
  'List-Id', 'List-Unsubscribe', 'List-Unsubscribe-Post', 'Feedback-ID', 'Precedence', 'Auto-Submitted',
].join(':');

/** nodemailer's names for the DKIM settings. */
export const dkimSigning = (dkim: DkimSettings | null): SmtpPoolOptions['dkim'] =>
  dkim ? { domainName: dkim.domain, keySelector: dkim.selector, privateKey: dkim.privateKey, headerFieldNames: DKIM_SIGNED_FIELDS } : null;

/** A pooled SMTP transport for `SMTP_URL`. */
export function smtpTransport(smtpUrl: string, dkim: DkimSettings | null, { maxConnections = 5 }: SmtpOptions = {}): MailTransport {
  const pool = new SmtpPool({ ...smtpEndpoint(smtpUrl), dkim: dkimSigning(dkim), maxConnections, maxMessages: 1000, timeouts: SMTP_TIMEOUTS });
  return {
    kind: 'smtp',
    async send(message) {
      const response = await pool.send(message.envelope, message.raw);
      return { messageId: message.messageId, response };
    },
    close: () => pool.close(),
  };
}

/** Builds each message exactly as SMTP would carry it (DKIM included) and files it in the outbox. */
export function outboxTransport(outbox: Outbox, dkim: DkimSettings | null): MailTransport {
  const signing = dkimSigning(dkim);
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows', ...(signing ? { dkim: signing } : {}) });
  return {
    kind: 'outbox',
    async send(message) {
      const info = await transporter.sendMail(rawOptions(message));
      // `buffer: true` makes the message a Buffer; the type also allows a stream.
      const file = outbox.save(info.message as Buffer);
      return { messageId: message.messageId, response: `saved to the outbox as ${file}` };
    },
    async close() {},
  };
}
