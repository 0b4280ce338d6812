import { randomUUID } from 'node:crypto';
import type { RenderedEmail } from './email-templates.js';
import type { MailTransport, SentMessage } from './mail-transport.js';
import { buildMessage, envelopeAddress } from './mime.js';

/** One email to one person. */
export interface OutgoingEmail extends RenderedEmail {
  to: string;
  /** `<…@…>`; a fresh one is made when absent. Digests pass one derived from subscriber and digest key. */
  messageId?: string;
  /** Extra headers (List-Unsubscribe and friends). */
  headers?: Record<string, string>;
  /** The envelope sender (where bounces go); MAIL_FROM's address when absent. Digests pass a VERP address. */
  returnPath?: string;
}

/** A value bound for a header held a line break: sending it could forge headers. */
export class HeaderInjectionError extends Error {
  override name = 'HeaderInjectionError';
}

const LINE_BREAK = /[\r\n\u2028\u2029]/;

function assertOneLine(name: string, value: string): void {
  if (LINE_BREAK.test(value)) throw new HeaderInjectionError(`refusing to send: the ${name} header holds a line break`);
}

/**
 * Turns a rendered email into a message and hands it to the transport. Every
 * message gets a From, Message-ID, Date, a text part and an HTML part, and no
 * header value may carry CR or LF.
 */
export class Mailer {
  private readonly domain: string;
  private readonly envelopeFrom: string;

  constructor(
    private readonly transport: MailTransport,
    private readonly from: string,
  ) {
    this.domain = /@([^<>@\s]+)>?$/.exec(from)?.[1] ?? 'localhost';
    this.envelopeFrom = envelopeAddress(from);
  }

  /** A new Message-ID on the sender's domain. */
  messageId(local: string = randomUUID()): string {
    return `<${local}@${this.domain}>`;
  }

  async send(email: OutgoingEmail, now: Date = new Date()): Promise<SentMessage> {
    const messageId = email.messageId ?? this.messageId();
    assertOneLine('To', email.to);
    assertOneLine('Subject', email.subject);
    assertOneLine('Message-ID', messageId);
    for (const [name, value] of Object.entries(email.headers ?? {})) {
      assertOneLine(name, name);
      assertOneLine(name, value);
    }
    const headers = email.headers ?? {};
    const returnPath = email.returnPath ?? this.envelopeFrom;
    assertOneLine('Return-Path', returnPath);
    const raw = buildMessage({ from: this.from, to: email.to, subject: email.subject, messageId, date: now, headers, text: email.text, html: email.html });
    return this.transport.send({ envelope: { from: returnPath, to: email.to }, messageId, raw, date: now, email: { ...email, messageId, headers } });
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
