import { createHash, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildMessage } from '../../src/mail/mime.js';
import { classifySendError } from '../../src/mail/send-errors.js';
import { SmtpPool, type SmtpPoolOptions } from '../../src/mail/smtp-pool.js';
import { DataStream } from '../helpers/mail.js';


/** A real SMTP server on 127.0.0.1 that records sessions and messages, for what the pool does with connections. */
interface Relay {
  port: number;
  /** Sessions opened, in order. */
  sessions: string[];
  /** Most sessions open at once. */
  peakOpen: number;
  /** Each accepted message: the session that carried it, its recipient and its bytes. */
  messages: Array<{ session: string; to: string; raw: Buffer }>;
  server: SMTPServer;
}

const relays: SMTPServer[] = [];
const pools: SmtpPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
  await Promise.all(relays.splice(0).map((server) => new Promise<void>((done) => server.close(() => done()))));
});

async function startRelay(options: Partial<SMTPServerOptions> = {}): Promise<Relay> {
  const relay = { sessions: [] as string[], peakOpen: 0, messages: [] as Relay['messages'] } as Relay;
  let open = 0;
  relay.server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 100,
    onConnect(session, callback) {
      relay.sessions.push(session.id);
      open += 1;
      relay.peakOpen = Math.max(relay.peakOpen, open);
      callback();
    },
    onClose() {
      open -= 1;
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        relay.messages.push({ session: session.id, to: session.envelope.rcptTo[0]!.address, raw: Buffer.concat(chunks) });
        callback(null, 'queued as test');
      });
    },
    ...options,
  });
  relays.push(relay.server);
  await new Promise<void>((listening) => relay.server.listen(0, '127.0.0.1', listening));
  relay.port = (relay.server.server.address() as AddressInfo).port;
  return relay;
}

function pool(port: number, options: Partial<SmtpPoolOptions> = {}): SmtpPool {
  const created = new SmtpPool({
    host: '127.0.0.1',
    port,
    secure: false,
    requireTLS: false,
    auth: null,
    dkim: null,
    maxConnections: 2,
    maxMessages: 1000,
    timeouts: { connectionTimeout: 2_000, greetingTimeout: 2_000, socketTimeout: 5_000, dnsTimeout: 2_000 },
    ...options,
  });
  pools.push(created);
  return created;
}

const message = (n: number) => Buffer.from(`From: digest@paperboy.test\r\nTo: r${n}@example.com\r\nSubject: ${n}\r\n\r\n.leading dot\r\nbody ${n}\r\n`);
const send = (smtp: SmtpPool, n: number, to = `r${n}@example.com`) => smtp.send({ from: 'digest@paperboy.test', to }, message(n));
const refusal = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });

describe('the SMTP pool', () => {
  it('carries many messages over at most maxConnections sessions, reusing them, bytes intact', async () => {
    const relay = await startRelay();
    const smtp = pool(relay.port, { maxConnections: 3 });
    const replies = await Promise.all(Array.from({ length: 30 }, (_, n) => send(smtp, n)));
    expect(replies.every((reply) => /^250 .*queued as test/.test(reply))).toBe(true);
    expect(relay.messages).toHaveLength(30);
    expect(relay.sessions.length).toBeLessThanOrEqual(3);
    expect(relay.peakOpen).toBeLessThanOrEqual(3);
    // A line starting with a dot was stuffed on the wire and arrives as written.
    const seventh = relay.messages.find((mail) => mail.to === 'r7@example.com')!;
    expect(seventh.raw.toString()).toBe(message(7).toString());
  });

  it('sends a message already in wire form past the per-byte dot-stuffing, and any other through it', async () => {
    const relay = await startRelay();
    const smtp = pool(relay.port, { maxConnections: 1 });
    const transform = vi.spyOn(DataStream.prototype, '_transform');
    try {
      const digest = buildMessage({
        from: 'paperboy <digest@paperboy.test>',
        to: 'r1@example.com',
        subject: 'papers',
        messageId: '<w1@paperboy.test>',
        date: new Date('2026-12-07T08:00:00Z'),
        headers: {},
        text: '.a line that starts with a dot',
        html: `<p>${'é'.repeat(20_000)}</p>\n.dot`,
      });
      await smtp.send({ from: 'digest@paperboy.test', to: 'r1@example.com' }, digest);
      expect(transform).not.toHaveBeenCalled();
      // Without a final line break too: the stream's own end still closes the data on a line of its own.
      const unterminated = Buffer.from('Subject: no final line break\r\n\r\nlast line');
      await smtp.send({ from: 'digest@paperboy.test', to: 'r2@example.com' }, unterminated);
      expect(transform).not.toHaveBeenCalled();
      await send(smtp, 3);
      const bareLineFeeds = Buffer.from('Subject: bare\n\nline one\nline two\n');
      await smtp.send({ from: 'digest@paperboy.test', to: 'r4@example.com' }, bareLineFeeds);
      expect(transform).toHaveBeenCalledTimes(2);

      const got = (to: string) => relay.messages.find((mail) => mail.to === to)!.raw;
      expect(got('r1@example.com').equals(digest)).toBe(true);
      expect(got('r2@example.com').toString()).toBe('Subject: no final line break\r\n\r\nlast line\r\n');
      expect(got('r3@example.com').toString()).toBe(message(3).toString());
      expect(got('r4@example.com').toString()).toBe('Subject: bare\r\n\r\nline one\r\nline two\r\n');
    } finally {
      transform.mockRestore();
    }
  });

  it('replaces a session once it has carried maxMessages', async () => {
    const relay = await startRelay();
    const smtp = pool(relay.port, { maxConnections: 1, maxMessages: 3 });
    for (let n = 0; n < 7; n += 1) await send(smtp, n);
    expect(relay.sessions).toHaveLength(3);
    expect(relay.messages.map((mail) => relay.sessions.indexOf(mail.session))).toEqual([0, 0, 0, 1, 1, 1, 2]);
  });

  it('keeps the session after the relay refuses a recipient, and reports the refusal as a bounce', async () => {
    const relay = await startRelay({
      onRcptTo: (address, _session, callback) => callback(address.address === 'gone@example.com' ? refusal(550, '5.1.1 no such user') : null),
    });
    const smtp = pool(relay.port, { maxConnections: 1 });
    await send(smtp, 1);
    const err = await send(smtp, 2, 'gone@example.com').catch((e: unknown) => e);
    expect(classifySendError(err)).toMatchObject({ kind: 'bounce', responseCode: 550 });
    await send(smtp, 3);
    expect(relay.messages.map((mail) => mail.to)).toEqual(['r1@example.com', 'r3@example.com']);
    expect(relay.sessions).toHaveLength(1);
  });

  it('sends on a fresh session when the relay ends a reused one before the message goes out', async () => {
    const mailFroms = new Map<string, number>();
    const relay = await startRelay({
      // The second transaction on any session is answered 421: the relay is closing it.
      onMailFrom(_address, session, callback) {
        const count = (mailFroms.get(session.id) ?? 0) + 1;
        mailFroms.set(session.id, count);
        callback(count === 2 ? refusal(421, '4.4.2 idle too long, closing') : null);
      },
    });
    const smtp = pool(relay.port, { maxConnections: 1 });
    await send(smtp, 1);
    await send(smtp, 2);
    expect(relay.messages.map((mail) => mail.to)).toEqual(['r1@example.com', 'r2@example.com']);
    expect(relay.sessions).toHaveLength(2);
  });

  it('opens a new session after the relay closed an idle one', async () => {
    const relay = await startRelay();
    const smtp = pool(relay.port, { maxConnections: 1 });
    await send(smtp, 1);
    const connections = (relay.server as unknown as { connections: Set<{ _socket: { destroy(): void } }> }).connections;
    for (const connection of connections) connection._socket.destroy();
    await new Promise((settle) => setTimeout(settle, 50));
    await send(smtp, 2);
    expect(relay.messages.map((mail) => mail.to)).toEqual(['r1@example.com', 'r2@example.com']);
    expect(relay.sessions).toHaveLength(2);
  });

  it('logs in when the URL carries credentials; a wrong password refuses the session, never a bounce', async () => {
    const relay = await startRelay({
      authOptional: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      onAuth: (auth, _session, callback) =>
        auth.username === 'paperboy' && auth.password === 's3cret' ? callback(null, { user: auth.username }) : callback(refusal(535, '5.7.8 bad credentials')),
    });
    await send(pool(relay.port, { auth: { user: 'paperboy', pass: 's3cret' } }), 1);
    expect(relay.messages).toHaveLength(1);
    const err = await send(pool(relay.port, { auth: { user: 'paperboy', pass: 'wrong' } }), 2).catch((e: unknown) => e);
    expect(classifySendError(err)).toMatchObject({ kind: 'refused', responseCode: 535 });
    expect(relay.messages).toHaveLength(1);
  });

  it('sends no password to a relay that offers no STARTTLS when TLS is required', async () => {
    const logins: string[] = [];
    const relay = await startRelay({
      authOptional: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      onAuth: (auth, _session, callback) => {
        logins.push(auth.username ?? '');
        callback(null, { user: auth.username });
      },
    });
    const err = await send(pool(relay.port, { auth: { user: 'paperboy', pass: 's3cret' }, requireTLS: true }), 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(logins).toEqual([]);
    expect(relay.messages).toHaveLength(0);
    // The same relay without the requirement gets the login (a relay on this machine may speak plain SMTP).
    await send(pool(relay.port, { auth: { user: 'paperboy', pass: 's3cret' } }), 2);
    expect(logins).toEqual(['paperboy']);
  });

  it('reports a relay that cannot be reached as a connection failure, and sends once it is up', async () => {
    const relay = await startRelay();
    const port = relay.port;
    await new Promise<void>((done) => relay.server.close(() => done()));
    relays.splice(relays.indexOf(relay.server), 1);
    const smtp = pool(port, { maxConnections: 2 });
    const failures = await Promise.all([1, 2, 3].map((n) => send(smtp, n).catch((e: unknown) => e)));
    for (const err of failures) expect(classifySendError(err)).toMatchObject({ kind: 'transient', connection: true });
    const again = await startRelay();
    await send(pool(again.port, { maxConnections: 2 }), 4);
    expect(again.messages).toHaveLength(1);
  });

  it('refuses to send after close, and quits its sessions', async () => {
    const relay = await startRelay();
    const smtp = pool(relay.port);
    await send(smtp, 1);
    await smtp.close();
    await expect(send(smtp, 2)).rejects.toThrow(/closed/);
    await expect.poll(() => relay.server.connections.size).toBe(0);
  });

  it('signs with DKIM, and the signature verifies over the bytes the relay got', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const relay = await startRelay();
    const smtp = pool(relay.port, { dkim: { domainName: 'paperboy.test', keySelector: 'mail2026', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() } });
    await send(smtp, 1);
    const [mail] = relay.messages;
    expect(verifyDkim(mail!.raw, publicKey)).toEqual({ bodyHash: true, signature: true, domain: 'paperboy.test', selector: 'mail2026' });
    // Any change to a signed header breaks it.
    expect(verifyDkim(Buffer.from(mail!.raw.toString().replace('Subject: 1', 'Subject: 2')), publicKey).signature).toBe(false);
  });
});

/** Checks a relaxed/relaxed rsa-sha256 DKIM signature (RFC 6376) against a public key. */
function verifyDkim(raw: Buffer, publicKey: KeyObject): { bodyHash: boolean; signature: boolean; domain: string; selector: string } {
  const text = raw.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const fields = text.slice(0, split).split(/\r\n(?![ \t])/);
  const body = text.slice(split + 4);
  const relaxed = (field: string) => {
    const colon = field.indexOf(':');
    return `${field.slice(0, colon).trim().toLowerCase()}:${field.slice(colon + 1).replace(/\r\n/g, '').replace(/[ \t]+/g, ' ').trim()}`;
  };
  const signatureField = fields.find((field) => /^dkim-signature:/i.test(field))!;
  const tags = Object.fromEntries(
    signatureField
      .slice(signatureField.indexOf(':') + 1)
      .replace(/\s+/g, '')
      .split(';')
      .filter(Boolean)
      .map((tag) => [tag.slice(0, tag.indexOf('=')), tag.slice(tag.indexOf('=') + 1)]),
  ) as Record<string, string>;
  const relaxedBody = body.replace(/[ \t]+\r\n/g, '\r\n').replace(/[ \t]+/g, ' ').replace(/(\r\n)+$/, '') + '\r\n';
  const bodyHash = createHash('sha256').update(relaxedBody, 'latin1').digest('base64') === tags.bh;
  const signed = tags.h!.split(':').flatMap((name) => {
    const field = fields.findLast((candidate) => candidate.toLowerCase().startsWith(`${name.toLowerCase()}:`));
    return field ? [relaxed(field)] : [];
  });
  const unsigned = relaxed(signatureField.replace(/([;\s]b=)[^;]*/, '$1'));
  const signature = verify('sha256', Buffer.from([...signed, unsigned].join('\r\n'), 'latin1'), publicKey, Buffer.from(tags.b!, 'base64'));
  return { bodyHash, signature, domain: tags.d!, selector: tags.s! };
}
