import { type DkimSettings, dkimSigning, SMTP_TIMEOUTS, smtpEndpoint } from './mail-transport.js';
import { Mailer, type OutgoingEmail } from './mailer.js';
import { classifySendError } from './send-errors.js';
import type { MailTransport, OutboundMessage } from './mail-transport.js';
import { SmtpPool } from './smtp-pool.js';

export interface RelayTestSettings {
  smtpUrl: string;
  dkim: DkimSettings | null;
  mailFrom: string;
  postalAddress: string | null;
}

export interface RelayTestResult {
  ok: boolean;
  /** The relay's last reply: "250 2.0.0 Ok: queued as …", or the refusal. */
  reply: string;
  /** The headers exactly as sent, DKIM-Signature included when DKIM is set. */
  headers: string;
  envelope: { from: string; to: string };
  /** The SMTP conversation, one line each, credentials and message data left out. */
  transcript: string[];
}

/**
 * nodemailer's log lines that carry credentials, and blank ones; the
 * transcript skips them. (The message itself is cut below; the line giving
 * its size in bytes stays.)
 */
const HIDDEN = /^(C: |\[client\] )?(AUTH |[A-Za-z0-9+/=]{16,}$)|^\r?\n?$/;

/**
 * Sends one test email the way digests go out (the same SMTP pool, with one
 * connection), recording the SMTP conversation, so an operator can see what
 * the relay says (AUTH, MAIL FROM, RCPT TO, DATA) and which headers it got.
 */
export async function sendRelayTest(settings: RelayTestSettings, to: string, now = new Date()): Promise<RelayTestResult> {
  const transcript: string[] = [];
  // Between the relay's 354 and the lone "." the log is the message itself, which the headers below already show.
  let inData = false;
  const log = (_entry: unknown, message: string, ...args: unknown[]) => {
    const text = args.reduce<string>((out, arg) => out.replace(/%s/, String(arg)), String(message));
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (inData) {
        if (line === '.') {
          inData = false;
          transcript.push('<the message>', '.');
        }
        continue;
      }
      if (/^354\b/.test(line)) inData = true;
      if (!HIDDEN.test(line)) transcript.push(line);
    }
  };
  const logger = { level: () => {}, trace: log, debug: log, info: log, warn: log, error: log, fatal: log };
  const smtp = new SmtpPool({
    ...smtpEndpoint(settings.smtpUrl),
    dkim: dkimSigning(settings.dkim),
    maxConnections: 1,
    maxMessages: 1,
    timeouts: SMTP_TIMEOUTS,
    logger,
  });

  let sent: OutboundMessage | null = null;
  let signed = '';
  const capture: MailTransport = {
    kind: 'smtp',
    async send(message) {
      sent = message;
      // Signed once: the bytes shown are the bytes sent.
      const bytes = await smtp.sign(message.raw);
      signed = bytes.toString('utf8');
      return { messageId: message.messageId, response: await smtp.deliver(message.envelope, bytes) };
    },
    close: () => smtp.close(),
  };
  const mailer = new Mailer(capture, settings.mailFrom);
  const footer = settings.postalAddress ? `\n\n${settings.postalAddress}` : '';
  const email: OutgoingEmail = {
    to,
    subject: 'paperboy relay test',
    text: `This is a test from paperboy mail-test, sent ${now.toISOString()}. If it arrived, the relay works.${footer}\n`,
    html: `<p>This is a test from <strong>paperboy mail-test</strong>, sent ${now.toISOString()}. If it arrived, the relay works.</p>`,
  };
  try {
    const result = await mailer.send(email, now);
    return { ok: true, reply: result.response, headers: headersOf(signed), envelope: envelopeOf(sent), transcript };
  } catch (err) {
    const failure = classifySendError(err);
    return { ok: false, reply: `${failure.kind}: ${failure.message}`, headers: headersOf(signed), envelope: envelopeOf(sent), transcript };
  } finally {
    await mailer.close();
  }
}

function headersOf(message: string): string {
  const end = message.indexOf('\r\n\r\n');
  return (end === -1 ? message : message.slice(0, end)).replace(/\r\n/g, '\n');
}

function envelopeOf(message: OutboundMessage | null): { from: string; to: string } {
  return message ? message.envelope : { from: '', to: '' };
}
