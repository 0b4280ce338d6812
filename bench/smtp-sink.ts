/**
 * The benchmark's SMTP sink: a minimal server on 127.0.0.1 that accepts
 * every message and keeps only counts. It runs in its own process (see
 * `startSink`), so its work and memory stay out of the figures of the
 * process being measured; on two cores the two share the machine, which is
 * why the raw hand-off is measured against this same sink.
 *
 * It speaks just enough ESMTP for a client that waits for each reply
 * (nodemailer does): EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
 */
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const END_OF_DATA = Buffer.from('\r\n.\r\n');

export interface SinkCounts {
  messages: number;
  bytes: number;
}

function serve(): void {
  const counts: SinkCounts = { messages: 0, bytes: 0 };
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let inData = false;
    let pending: Buffer = Buffer.alloc(0);
    let dataBytes = 0;
    socket.write('220 sink ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        if (inData) {
          // Keep the last four bytes: the terminator may straddle two chunks.
          const end = pending.indexOf(END_OF_DATA);
          if (end === -1) {
            dataBytes += Math.max(0, pending.length - 4);
            pending = pending.subarray(Math.max(0, pending.length - 4));
            return;
          }
          counts.messages += 1;
          counts.bytes += dataBytes + end;
          dataBytes = 0;
          inData = false;
          pending = pending.subarray(end + END_OF_DATA.length);
          socket.write('250 2.0.0 queued\r\n');
          continue;
        }
        const eol = pending.indexOf('\r\n');
        if (eol === -1) return;
        const verb = pending.subarray(0, Math.min(4, eol)).toString('latin1').toUpperCase();
        pending = pending.subarray(eol + 2);
        if (verb === 'EHLO') socket.write('250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 52428800\r\n');
        else if (verb === 'DATA') {
          inData = true;
          // The terminator search starts at a line break, which DATA's first line lacks.
          pending = Buffer.concat([Buffer.from('\r\n'), pending]);
          dataBytes = -2;
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1', () => {
    process.send!({ port: (server.address() as net.AddressInfo).port });
  });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'counts') process.send!({ counts });
    if (message.type === 'reset') Object.assign(counts, { messages: 0, bytes: 0 });
  });
}

export interface Sink {
  url: string;
  counts(): Promise<SinkCounts>;
  reset(): void;
  close(): void;
}

/** Starts the sink in a child process and resolves once it listens. */
export function startSink(): Promise<Sink> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('message', ({ port }: { port: number }) => {
      resolve({
        url: `smtp://127.0.0.1:${port}`,
        counts: () =>
          new Promise((done) => {
            child.once('message', (reply: { counts: SinkCounts }) => done(reply.counts));
            child.send({ type: 'counts' });
          }),
        reset: () => child.send({ type: 'reset' }),
        close: () => child.kill(),
      });
    });
  });
}

if (process.argv.includes('--serve')) serve();
