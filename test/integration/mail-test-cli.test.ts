import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { describe, expect, it } from 'vitest';
import { TEST_SECRET } from '../helpers/app.js';
import { paperboy } from '../helpers/run.js';
import { rawHeader, startSmtpSink } from '../helpers/smtp-sink.js';
import { tempDb } from '../helpers/store.js';

const key = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('paperboy mail-test', { timeout: 60_000 }, () => {
  it('sends one DKIM-signed test email through the relay and prints the conversation and the headers sent', async () => {
    const sink = await startSmtpSink();
    const env = {
      DATABASE_PATH: tempDb().file,
      SECRET_KEY: TEST_SECRET,
      SMTP_URL: sink.url,
      MAIL_FROM: 'Paperboy <paperboy@paperboy.example.org>',
      DKIM_DOMAIN: 'paperboy.example.org',
      DKIM_SELECTOR: 'mail2026',
      DKIM_PRIVATE_KEY: key(),
    };
    const run = await paperboy(['mail-test', '--to', 'ops@example.com'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(sink.received).toHaveLength(1);
    const [mail] = sink.received;
    expect(mail!.envelopeTo).toEqual(['ops@example.com']);
    expect(rawHeader(mail!.raw, 'DKIM-Signature')).toMatch(/d=paperboy\.example\.org; .*s=mail2026/);

    expect(run.stdout).toMatch(/^Accepted: 250 /m);
    expect(run.stdout).toMatch(/RCPT TO:<ops@example\.com>/);
    expect(run.stdout).toMatch(/^ {2}DKIM-Signature: [^]*?d=paperboy\.example\.org; q=dns\/txt; s=mail2026/m);
    expect(run.stdout).toContain(`Message-ID: ${rawHeader(mail!.raw, 'Message-ID')}`);
    // The conversation as the relay answered it.
    expect(run.stdout).toMatch(/EHLO/);
    expect(run.stdout).toMatch(/^ {2}354 /m);
    // The message body is not replayed in the conversation.
    expect(run.stdout).not.toContain('Content-Transfer-Encoding');
    expect(run.stderr).toMatch(/MAIL_POSTAL_ADDRESS is not set/);
  });

  it('logs in to a relay that asks for it without printing the password, in any method', async () => {
    const password = 'hunter2-relay-password';
    for (const method of ['PLAIN', 'LOGIN']) {
      const logins: string[] = [];
      const relay = new SMTPServer({
        authMethods: [method],
        allowInsecureAuth: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onAuth: (auth, _session, callback) => {
          logins.push(`${auth.method} ${auth.username}:${auth.password}`);
          callback(null, { user: auth.username });
        },
        onData: (stream, _session, callback) => {
          stream.resume();
          stream.on('end', () => callback());
        },
      });
      await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = relay.server.address() as AddressInfo;
        const env = { DATABASE_PATH: tempDb().file, SECRET_KEY: TEST_SECRET, SMTP_URL: `smtp://mailer:${password}@127.0.0.1:${port}` };
        const run = await paperboy(['mail-test', '--to', 'ops@example.com'], env);
        expect(run.code, run.stderr).toBe(0);
        expect(logins).toEqual([`${method} mailer:${password}`]);
        expect(run.stdout).toMatch(/^Accepted: 250 /m);
        const output = run.stdout + run.stderr;
        for (const leak of [password, Buffer.from(password).toString('base64'), Buffer.from(`\0mailer\0${password}`).toString('base64')]) {
          expect(output).not.toContain(leak);
        }
      } finally {
        await new Promise<void>((resolve) => relay.close(() => resolve()));
      }
    }
  });

  it('exits 1 and prints the refusal when the relay refuses the recipient', async () => {
    const sink = await startSmtpSink({ onRcpt: () => Object.assign(new Error('5.7.1 Relaying denied'), { responseCode: 550 }) });
    const run = await paperboy(['mail-test', '--to', 'ops@example.com'], { DATABASE_PATH: tempDb().file, SECRET_KEY: TEST_SECRET, SMTP_URL: sink.url });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Refused: bounce: .*550.*Relaying denied/m);
    expect(sink.received).toHaveLength(0);
  });

  it('refuses to run without a relay or an address, and answers --help', async () => {
    const env = { DATABASE_PATH: tempDb().file, SECRET_KEY: TEST_SECRET };
    expect((await paperboy(['mail-test', '--to', 'ops@example.com'], env)).stderr).toMatch(/SMTP_URL is not set/);
    expect((await paperboy(['mail-test'], { ...env, SMTP_URL: 'smtp://127.0.0.1:9' })).code).toBe(2);
    const help = await paperboy(['mail-test', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: paperboy mail-test --to ADDRESS');
  });
});
