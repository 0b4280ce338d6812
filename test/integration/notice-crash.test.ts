import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { startServer, waitForLine } from '../helpers/run.js';
import { tempDir } from '../helpers/store.js';

const servers: Array<ReturnType<typeof startServer>> = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.child.kill('SIGKILL');
});

/** The built server on a fresh database, once it listens; killed after the test. */
async function serve(env: Record<string, string>) {
  const server = startServer({ SECRET_KEY: 'test-secret-key-that-is-long-enough-0123456789', LOG_LEVEL: 'info', ...env });
  servers.push(server);
  const listening = await waitForLine(server.child, /Server listening at http:\/\/127\.0\.0\.1:\d+/);
  return { ...server, url: /http:\/\/127\.0\.0\.1:\d+/.exec(listening)![0] };
}

async function subscribe(url: string, email = 'ada@example.com') {
  const res = await fetch(`${url}/subscribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, topics: 'LoRA' }) });
  expect(res.status).toBe(202);
}

describe('the email queue across faults of the server process', () => {
  it('keeps serving when recording a failed send meets a locked database, and sends the email later', async () => {
    const file = path.join(tempDir(), 'paperboy.db');
    let lock: Database.Database | null = null;
    // The relay refuses the first attempt (try later) while another process
    // holds the write lock, so the server's write of that failure finds the
    // database busy; later attempts are taken.
    const sink = await startSmtpSink({
      onRcpt: () => {
        if (lock) return null;
        lock = new Database(file);
        lock.exec('BEGIN IMMEDIATE');
        return Object.assign(new Error('451 4.3.0 try again later'), { responseCode: 451 });
      },
    });
    const server = await serve({ DATABASE_PATH: file, SMTP_URL: sink.url });
    await subscribe(server.url);

    await expect.poll(() => server.stdout().includes('could not record what happened to a queued email'), { timeout: 20_000 }).toBe(true);
    expect(server.stdout()).toMatch(/SQLITE_BUSY|database is locked/);
    lock!.exec('ROLLBACK');
    lock!.close();

    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    // The row left claimed is taken back by a later pass, and the email goes out.
    const [mail] = await sink.waitFor(1, 30_000);
    expect(mail!.parsed.subject).toBe('Confirm your paperboy subscription');
    expect(server.child.exitCode).toBeNull();
  });

  it('sends the email a killed server had promised, once it is started again', async () => {
    const file = path.join(tempDir(), 'paperboy.db');
    // A relay that takes the connection and never answers: the send is in flight when the server is killed.
    let connected!: () => void;
    const reached = new Promise<void>((resolve) => (connected = resolve));
    const sockets: net.Socket[] = [];
    const blackHole = net.createServer((socket) => {
      sockets.push(socket);
      connected();
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    try {
      const first = await serve({ DATABASE_PATH: file, SMTP_URL: `smtp://127.0.0.1:${(blackHole.address() as net.AddressInfo).port}` });
      await subscribe(first.url);
      await reached;
      first.child.kill('SIGKILL');
      await first.exited;

      const db = new Database(file, { readonly: true });
      expect(db.prepare('SELECT kind, status FROM notices').all()).toEqual([{ kind: 'confirm', status: 'sending' }]);
      db.close();

      const sink = await startSmtpSink();
      const second = await serve({ DATABASE_PATH: file, SMTP_URL: sink.url });
      const [mail] = await sink.waitFor(1, 30_000);
      expect(mail!.envelopeTo).toEqual(['ada@example.com']);
      expect(mail!.parsed.subject).toBe('Confirm your paperboy subscription');
      await expect.poll(() => second.stdout().includes('"msg":"email sent"')).toBe(true);
      const after = new Database(file, { readonly: true });
      // The crash was the server's failure, not the relay's: it did not use up an attempt.
      expect(after.prepare('SELECT status, attempts FROM notices').all()).toEqual([{ status: 'sent', attempts: 1 }]);
      after.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => blackHole.close(() => resolve()));
    }
  });
});
