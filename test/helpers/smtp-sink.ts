import type { AddressInfo, Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { afterEach } from 'vitest';

export interface ReceivedMail {
  envelopeTo: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

/**
 * Decides how the server answers one message once its DATA is in: null
 * accepts it; an Error with `responseCode` refuses it; 'drop' hangs up
 * without answering (the client cannot know whether it was taken); 'hang'
 * never answers at all.
 */
export type DataHook = (mail: { envelopeTo: string[]; raw: Buffer; index: number }) => Error | 'drop' | 'hang' | null;

export interface SmtpSink {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** Every message whose DATA arrived whole, whatever the answer was. */
  seen: Array<{ envelopeTo: string[]; raw: Buffer }>;
  /** Resolves when `count` messages have arrived, or rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

const sinks: SmtpSink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((sink) => sink.close()));
});

/** A real SMTP server (the `smtp-server` package) on 127.0.0.1, in this process, closed after the test. */
export async function startSmtpSink({ onData }: { onData?: DataHook } = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const seen: SmtpSink['seen'] = [];
  const waiters: Array<() => void> = [];
  let index = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // Pooled clients keep connections open; do not wait long for them at close.
    closeTimeout: 100,
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const envelopeTo = session.envelope.rcptTo.map((rcpt) => rcpt.address);
        seen.push({ envelopeTo, raw });
        const answer = onData?.({ envelopeTo, raw, index: index++ }) ?? null;
        if (answer === 'hang') return;
        if (answer === 'drop') {
          // smtp-server keeps its connections in a Set; the session id is the connection's id.
          const connections = (server as unknown as { connections: Set<{ id: string; _socket: Socket }> }).connections;
          for (const connection of connections) if (connection.id === session.id) connection._socket.destroy();
          return;
        }
        if (answer) return callback(answer);
        simpleParser(raw).then((parsed) => {
          received.push({ envelopeTo, raw, parsed });
          waiters.splice(0).forEach((wake) => wake());
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  const sink: SmtpSink = {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    seen,
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
  sinks.push(sink);
  return sink;
}

/** The first link in the email's text part that starts with `prefix`. */
export function linkIn(mail: ReceivedMail, prefix: string): string {
  const link = (mail.parsed.text ?? '').split(/\s+/).find((word) => word.startsWith(prefix));
  if (!link) throw new Error(`no link starting with ${prefix} in:\n${mail.parsed.text}`);
  return link;
}
