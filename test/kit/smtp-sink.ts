import type { AddressInfo, Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  envelopeTo: string[];
  /** The MAIL FROM address: where bounces would go. */
  envelopeFrom: string;
  raw: Buffer;
  parsed: ParsedMail;
}

/** An accepted message as far as counting goes: who it was for and the Message-ID it carried. */
export interface AcceptedMail {
  envelopeTo: string[];
  messageId: string | null;
}

/**
 * Decides how the server answers one message once its DATA is in: null
 * accepts it; an Error with `responseCode` refuses it; 'drop' hangs up
 * without answering (the client cannot know whether it was taken); 'hang'
 * never answers at all.
 */
export type DataHook = (mail: { envelopeTo: string[]; raw: Buffer; index: number }) => Error | 'drop' | 'hang' | null;

/**
 * Decides, as a message's DATA begins, whether to hang up on its first chunk:
 * the connection is gone while the message is still arriving, so the server
 * never saw it whole. `index` counts every DATA begun.
 */
export type DataStartHook = (mail: { envelopeTo: string[]; index: number }) => 'drop' | null;

/** Decides at RCPT TO: an Error with `responseCode` refuses the address, null takes it. */
export type RcptHook = (address: string) => Error | null;

/** Decides at MAIL FROM: an Error with `responseCode` refuses the sender (a relay that does not allow it), null takes it. */
export type MailFromHook = (address: string) => Error | null;

export interface SmtpSinkOptions {
  onMailFrom?: MailFromHook;
  onRcpt?: RcptHook;
  onDataStart?: DataStartHook;
  onData?: DataHook;
  /**
   * Keep every message whole and parsed in `received` and `seen` (the
   * default). A drill that sends thousands turns this off and keeps only
   * `accepted`, which would otherwise hold hundreds of megabytes.
   */
  keepMessages?: boolean;
}

export interface SmtpSink {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** Every message whose DATA arrived whole, whatever the answer was (only when keeping messages). */
  seen: Array<{ envelopeTo: string[]; raw: Buffer }>;
  /** Every message the server answered 250, in order. */
  accepted: AcceptedMail[];
  /** Resolves when `count` messages have arrived, or rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/** A header as it was sent, unfolded, or undefined when the message has none. */
export function rawHeader(raw: Buffer, name: string): string | undefined {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end === -1 ? raw.length : end).toString().replace(/\r\n[ \t]+/g, ' ');
  const prefix = `${name.toLowerCase()}:`;
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(prefix));
  return line?.slice(prefix.length).trim();
}

/** A real SMTP server (the `smtp-server` package) on 127.0.0.1, in this process. */
export async function startSmtpSink({ onMailFrom, onRcpt, onDataStart, onData, keepMessages = true }: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const seen: SmtpSink['seen'] = [];
  const accepted: AcceptedMail[] = [];
  const waiters: Array<() => void> = [];
  let started = 0;
  let index = 0;

  const hangUp = (session: SMTPServerSession) => {
    // smtp-server keeps its connections in a Set; the session id is the connection's id.
    const connections = (server as unknown as { connections: Set<{ id: string; _socket: Socket }> }).connections;
    for (const connection of connections) if (connection.id === session.id) connection._socket.destroy();
  };
  const accept = (mail: AcceptedMail) => {
    accepted.push(mail);
    waiters.splice(0).forEach((wake) => wake());
  };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // Pooled clients keep connections open; do not wait long for them at close.
    closeTimeout: 100,
    onMailFrom(address, _session, callback) {
      callback(onMailFrom?.(address.address) ?? null);
    },
    onRcptTo(address, _session, callback) {
      callback(onRcpt?.(address.address) ?? null);
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const envelopeTo = session.envelope.rcptTo.map((rcpt) => rcpt.address);
      if (onDataStart?.({ envelopeTo, index: started++ }) === 'drop') {
        // Chunks already read may still come after the socket is gone; none of them gets an answer.
        let dropped = false;
        stream.on('data', () => {
          if (!dropped) hangUp(session);
          dropped = true;
        });
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        if (keepMessages) seen.push({ envelopeTo, raw });
        const answer = onData?.({ envelopeTo, raw, index: index++ }) ?? null;
        if (answer === 'hang') return;
        if (answer === 'drop') return hangUp(session);
        if (answer) return callback(answer);
        const mail = { envelopeTo, messageId: rawHeader(raw, 'Message-ID') ?? null };
        if (!keepMessages) {
          accept(mail);
          return callback();
        }
        simpleParser(raw).then((parsed) => {
          const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          received.push({ envelopeTo, envelopeFrom, raw, parsed });
          accept(mail);
          callback();
        }, callback);
      });
    },
  });
  // A client killed mid-session resets its connection; that is the client's failure, not the server's.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    seen,
    accepted,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} emails, got ${received.length} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return received.slice(0, count);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
