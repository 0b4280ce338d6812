import { buffer } from 'node:stream/consumers';
import DKIM from 'nodemailer/lib/dkim';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { envelopeAddress, isAscii } from './mime.js';
import type { SmtpError } from './send-errors.js';

export interface SmtpPoolOptions {
  host: string;
  port: number;
  /** Implicit TLS (`smtps://`); otherwise STARTTLS whenever the relay offers it. */
  secure: boolean;
  /** Refuse to go on (and so to send a password) without STARTTLS. */
  requireTLS: boolean;
  auth: { user: string; pass: string } | null;
  dkim: { domainName: string; keySelector: string; privateKey: string; headerFieldNames?: string } | null;
  /** Parallel connections to the relay. */
  maxConnections: number;
  /** Messages a connection carries before it is replaced, so no session lives for ever. */
  maxMessages: number;
  timeouts: { connectionTimeout: number; greetingTimeout: number; socketTimeout: number; dnsTimeout: number };
  /** Every line of the SMTP conversation, for `paperboy mail-test`; none when absent. */
  logger?: SMTPConnection.Options['logger'];
}

export interface SmtpEnvelope {
  from: string;
  to: string;
}

interface Pooled {
  smtp: SMTPConnection;
  /** Messages attempted on this connection. */
  sent: number;
  /** Closed, failed or replaced: never handed out again. */
  retired: boolean;
}

/** The relay ended or broke the session itself, rather than refusing this message. */
const sessionLost = (err: SmtpError) => err.responseCode === 421 || ['ECONNECTION', 'ESOCKET', 'ETIMEDOUT'].includes(err.code ?? '');

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

/**
 * Whether SMTP's DATA transparency would leave a message as it is: every line
 * ends in CRLF (no bare CR or LF) and none starts with a dot. The mailer's
 * messages always are (folded headers, base64 bodies), but the check does not
 * trust that: it finds each line end with `indexOf`, which a 47 KB digest
 * passes in about 17 µs.
 */
export function inWireForm(message: Buffer): boolean {
  if (message.length === 0 || message[0] === DOT) return false;
  for (let at = message.indexOf(LF); at !== -1; at = message.indexOf(LF, at + 1)) {
    if (at === 0 || message[at - 1] !== CR || message[at + 1] === DOT) return false;
  }
  for (let at = message.indexOf(CR); at !== -1; at = message.indexOf(CR, at + 1)) {
    if (at + 1 < message.length && message[at + 1] !== LF) return false;
  }
  return true;
}

/** What nodemailer's DATA stream keeps (public fields of its `DataStream`), to end a message it did not have to look at. */
interface DataStreamState {
  inByteCount: number;
  outByteCount: number;
  lastByte: number | false;
  push(chunk: Buffer): boolean;
  end(): void;
}

function isFreshDataStream(stream: object): stream is DataStreamState {
  const state = stream as Partial<DataStreamState>;
  return state.lastByte === false && state.inByteCount === 0 && state.outByteCount === 0 && typeof state.push === 'function';
}

/**
 * Hands a message that needs no dot-stuffing straight to the socket's side of
 * nodemailer's DATA stream, instead of through its transform, a JavaScript
 * loop over every byte (130 µs for a 47 KB digest, a tenth of a digest's
 * CPU) that would copy it unchanged. The stream's own end still writes the
 * final dot, after the message's last byte as it records it, and its counts
 * still give the size SMTPConnection reports. Anything else, or a stream that
 * does not look as expected, goes through the transform as before.
 */
function passThrough(destination: NodeJS.WritableStream, message: Buffer): boolean {
  if (!isFreshDataStream(destination) || !inWireForm(message)) return false;
  destination.inByteCount = message.length;
  destination.outByteCount = message.length;
  destination.lastByte = message[message.length - 1]!;
  destination.push(message);
  destination.end();
  return true;
}

const poolClosed = () => Object.assign(new Error('the SMTP pool is closed'), { code: 'ECONNECTION' });

/**
 * The SMTP hand-off: a pool of nodemailer's SMTP connections, each given a
 * finished message's bytes as they are. The messages are built whole by the
 * mailer, so nodemailer's message layer (a MIME tree and a stream pipeline
 * per message, even for a raw one) was half of each hand-off's CPU for
 * nothing; nodemailer still speaks SMTP here: STARTTLS, AUTH, dot-stuffing
 * (of a message that needs it: see `passThrough`), and the errors (with
 * their reply codes and stages) that the ledger sorts into retries and
 * bounces. DKIM signs with nodemailer's signer.
 *
 * Like nodemailer's own pool: at most `maxConnections` sessions, each used
 * for one message at a time and replaced after `maxMessages`; a session the
 * relay refused a message on is reset and reused; a reused session the relay
 * had closed before the message went out is replaced and the message sent
 * on a fresh one.
 */
export class SmtpPool {
  private readonly idle: Pooled[] = [];
  private readonly waiting: Array<{ resolve(connection: Pooled): void; reject(err: unknown): void }> = [];
  private readonly signer: DKIM | null;
  /** Connections open or opening. */
  private open = 0;
  private closed = false;

  constructor(private readonly options: SmtpPoolOptions) {
    this.signer = options.dkim ? new DKIM(options.dkim) : null;
  }

  /** Signs (when DKIM is set) and sends one message; resolves with the relay's final reply, rejects with nodemailer's SMTP error. */
  async send(envelope: SmtpEnvelope, raw: Buffer): Promise<string> {
    return this.deliver(envelope, await this.sign(raw));
  }

  /** Sends a message as it is, already signed if it is to be. */
  async deliver(envelope: SmtpEnvelope, message: Buffer): Promise<string> {
    const to = isAscii(envelope.to) ? envelope.to : envelopeAddress(envelope.to);
    for (let attempt = 1; ; attempt += 1) {
      const connection = await this.acquire();
      const reused = connection.sent > 0;
      const data = { started: false };
      try {
        // A fresh envelope each attempt: SMTPConnection keeps a refusal of MAIL FROM on the one it is given.
        const reply = await this.transmit(connection, { from: envelope.from, to: [to], size: message.length }, message, data);
        this.release(connection);
        return reply;
      } catch (err) {
        this.recover(connection, err as SmtpError);
        if (attempt === 1 && reused && !data.started && sessionLost(err as SmtpError)) continue;
        throw err;
      }
    }
  }

  /** The message as it goes out: with a DKIM-Signature header first when DKIM is set, as it is otherwise. */
  async sign(raw: Buffer): Promise<Buffer> {
    return this.signer ? buffer(this.signer.sign(raw)) : raw;
  }

  /** Closes every idle session and refuses further sends; a message in flight finishes first. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(poolClosed());
    for (const connection of this.idle.splice(0)) this.retire(connection, 'quit');
  }

  private transmit(connection: Pooled, envelope: SMTPConnection.Envelope, message: Buffer, data: { started: boolean }): Promise<string> {
    connection.sent += 1;
    // A body that says when SMTPConnection starts on it (after the relay accepted the envelope and DATA).
    const body = {
      pipe<T extends NodeJS.WritableStream>(destination: T): T {
        data.started = true;
        if (!passThrough(destination, message)) destination.end(message);
        return destination;
      },
    };
    return new Promise((resolve, reject) => {
      connection.smtp.send(envelope, body as unknown as Buffer, (err, info) => (err ? reject(err) : resolve(info.response)));
    });
  }

  private acquire(): Promise<Pooled> {
    if (this.closed) return Promise.reject(poolClosed());
    const ready = this.idle.pop();
    if (ready) return Promise.resolve(ready);
    if (this.open < this.options.maxConnections) return this.connect();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(connection: Pooled): void {
    if (connection.retired) return;
    if (this.closed || connection.sent >= this.options.maxMessages) {
      this.retire(connection, 'quit');
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve(connection);
    else this.idle.push(connection);
  }

  /** After a failed send: a refused message leaves the session usable once reset; anything else ends it. */
  private recover(connection: Pooled, err: SmtpError): void {
    if (connection.retired) return;
    if ((err.code === 'EENVELOPE' || err.code === 'EMESSAGE') && err.responseCode !== 421) {
      connection.smtp.reset((resetErr) => (resetErr ? this.retire(connection, 'close') : this.release(connection)));
      return;
    }
    this.retire(connection, 'close');
  }

  private connect(): Promise<Pooled> {
    this.open += 1;
    const { host, port, secure, requireTLS, auth, timeouts, logger } = this.options;
    const smtp = new SMTPConnection({ host, port, secure, requireTLS, ...timeouts, ...(logger ? { logger, debug: true } : {}) });
    const connection: Pooled = { smtp, sent: 0, retired: false };
    return new Promise<Pooled>((resolve, reject) => {
      let connecting = true;
      const failed = (err: unknown) => {
        if (!connecting) return;
        connecting = false;
        this.retire(connection, 'close');
        reject(err);
      };
      const ready = () => {
        connecting = false;
        resolve(connection);
      };
      // A refused connection is reported only as an event; later, an idle session the relay closes, or that times out, just leaves the pool.
      smtp.on('error', (err) => {
        failed(err);
        this.retire(connection, 'gone');
      });
      smtp.once('end', () => {
        failed(Object.assign(new Error('the relay closed the connection'), { code: 'ECONNECTION' }));
        this.retire(connection, 'gone');
      });
      smtp.connect((err) => {
        if (err) return failed(err);
        if (!auth || !smtp.allowsAuth) return ready();
        smtp.login({ user: auth.user, credentials: auth }, (loginErr) => (loginErr ? failed(loginErr) : ready()));
      });
    });
  }

  /** Takes a session out of the pool for good, and lets a waiting sender open a fresh one. */
  private retire(connection: Pooled, how: 'quit' | 'close' | 'gone'): void {
    if (connection.retired) return;
    connection.retired = true;
    this.open -= 1;
    const at = this.idle.indexOf(connection);
    if (at !== -1) this.idle.splice(at, 1);
    if (how === 'quit') connection.smtp.quit();
    else if (how === 'close') connection.smtp.close();
    const waiter = this.closed ? undefined : this.waiting.shift();
    if (waiter) this.connect().then(waiter.resolve, waiter.reject);
  }
}
