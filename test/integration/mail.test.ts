import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { EmailRenderer } from '../../src/mail/email-templates.js';
import { outboxTransport, smtpTransport } from '../../src/mail/mail-transport.js';
import { HeaderInjectionError, Mailer } from '../../src/mail/mailer.js';
import { Outbox } from '../../src/mail/outbox.js';
import { testApp } from '../helpers/app.js';
import { FORM, form } from '../helpers/http.js';
import { recordingTransport } from '../helpers/mail.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/store.js';

const confirmProps = {
  email: 'ada+<b>@example.com',
  topicCount: '3 topics',
  schedule: 'daily at 08:00 (UTC)',
  confirmUrl: 'https://paperboy.example/confirm?token=1.1.abc',
  expiresInDays: 7,
};
const manageProps = {
  email: 'ada@example.com',
  topics: ['LoRA', '<img src=x onerror=alert(1)>', '"mixture of experts" -video'],
  schedule: 'daily at 08:00 (UTC)',
  manageUrl: 'https://paperboy.example/preferences?token=1.1.abc',
};

describe('EmailRenderer', () => {
  it('renders the confirmation email as HTML and a text part that reads on its own', async () => {
    const emails = await EmailRenderer.load();
    const { subject, html, text } = emails.render('confirm', confirmProps);
    expect(subject).toBe('Confirm your paperboy subscription');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('One click and your paper digest starts: daily at 08:00 (UTC).');
    // The shared partials (masthead, colours) are included, not silently dropped.
    expect(html).toMatch(/>\s*paperboy\s*</);
    expect(html).toContain('background:#1a56db');
    expect(html).not.toContain('fonts.googleapis.com');
    expect(html).toContain('href="https://paperboy.example/confirm?token&#x3D;1.1.abc"');
    expect(text).toContain('https://paperboy.example/confirm?token=1.1.abc');
    expect(text).toContain('daily at 08:00 (UTC), on 3 topics.');
    expect(text).not.toMatch(/<(p|div|a|table|td|ul|li)\b/);
  });

  it('escapes every value in the HTML part', async () => {
    const emails = await EmailRenderer.load();
    expect(emails.render('confirm', confirmProps).html).toContain('ada+&lt;b&gt;@example.com');
    const { html, text } = emails.render('manage-link', manageProps);
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(html).toContain('&quot;mixture of experts&quot; -video');
    expect(text).toContain('  - "mixture of experts" -video');
  });

  it('hides the preview text without painting it the colour of the page, which spam filters score', async () => {
    const emails = await EmailRenderer.load();
    for (const name of ['confirm', 'manage-link'] as const) {
      const { html } = name === 'confirm' ? emails.render(name, confirmProps) : emails.render(name, manageProps);
      const preview = /<div style="(display:none;[^"]*)">/.exec(html);
      expect(preview?.[1]).toContain('opacity:0');
      expect(preview?.[1]).toContain('mso-hide:all');
      expect(preview?.[1]).not.toMatch(/(^|;)color:|font-size:[01]px/);
    }
  });

  it('refuses to render with a value missing rather than send a gap', async () => {
    const emails = await EmailRenderer.load();
    const { confirmUrl: _omitted, ...missing } = confirmProps;
    expect(() => emails.render('confirm', missing as typeof confirmProps)).toThrow(/confirmUrl/);
  });
});

describe('Mailer', () => {
  const email = { to: 'ada@example.com', subject: 'Hello', html: '<p>Hi</p>', text: 'Hi' };

  it.each([
    ['To', { to: 'ada@example.com\r\nBcc: eve@example.com' }],
    ['Subject', { subject: 'Hello\nBcc: eve@example.com' }],
    ['a header', { headers: { 'List-Id': 'papers\r\nBcc: eve@example.com' } }],
    ['a header name', { headers: { 'X-A\r\nBcc': 'eve@example.com' } }],
    ['Message-ID', { messageId: '<a@b>\r\nBcc: eve@example.com' }],
  ])('refuses a line break in %s and sends nothing', async (_label, change) => {
    const { transport, sent } = recordingTransport();
    const mailer = new Mailer(transport, 'Paperboy <digest@paperboy.test>');
    await expect(mailer.send({ ...email, ...change })).rejects.toBeInstanceOf(HeaderInjectionError);
    expect(sent).toHaveLength(0);
  });

  it('sends From, Message-ID, Date, a text part and an HTML part over SMTP', async () => {
    const sink = await startSmtpSink();
    const mailer = new Mailer(smtpTransport(sink.url, null), 'Paperboy <digest@paperboy.test>');
    try {
      const sent = await mailer.send({ ...email, messageId: '<fixed-1@paperboy.test>', headers: { 'List-Id': '<papers.paperboy.test>' } }, new Date('2026-11-27T08:00:00Z'));
      expect(sent.messageId).toBe('<fixed-1@paperboy.test>');
      const [mail] = await sink.waitFor(1);
      expect(mail!.parsed.from?.value).toEqual([{ address: 'digest@paperboy.test', name: 'Paperboy' }]);
      expect(mail!.parsed.messageId).toBe('<fixed-1@paperboy.test>');
      expect(mail!.parsed.date?.toISOString()).toBe('2026-11-27T08:00:00.000Z');
      expect(mail!.parsed.text?.trim()).toBe('Hi');
      expect(mail!.parsed.html).toContain('<p>Hi</p>');
      expect(mail!.raw.toString()).toMatch(/^List-Id: <papers\.paperboy\.test>\r$/im);
    } finally {
      await mailer.close();
    }
  });

  it('makes a fresh Message-ID on the sender’s domain when none is given', async () => {
    const { transport, sent } = recordingTransport();
    const mailer = new Mailer(transport, 'digest@news.example.org');
    await mailer.send(email);
    await mailer.send(email);
    expect(sent[0]!.messageId).toMatch(/^<[0-9a-f-]{36}@news\.example\.org>$/);
    expect(sent[1]!.messageId).not.toBe(sent[0]!.messageId);
  });

  it('signs with DKIM when the settings are given', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const outbox = new Outbox(tempDir());
    const mailer = new Mailer(outboxTransport(outbox, { domain: 'paperboy.test', selector: 'mail2026', privateKey }), 'digest@paperboy.test');
    await mailer.send(email);
    const [entry] = await outbox.list();
    const message = await outbox.read(entry!.file);
    expect(message!.raw.toString()).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=paperboy\.test;[\s\S]*s=mail2026/m);
  });
});

describe('the outbox', () => {
  it('keeps each message whole, newest first', async () => {
    const outbox = new Outbox(path.join(tempDir(), 'outbox'));
    const mailer = new Mailer(outboxTransport(outbox, null), 'digest@paperboy.test');
    await mailer.send({ to: 'a@example.com', subject: 'First', html: '<p>1</p>', text: '1' }, new Date('2026-11-27T08:00:00Z'));
    // Outbox files are named by the wall clock to the millisecond; this keeps the two apart, it waits for no work.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await mailer.send({ to: 'b@example.com', subject: 'Second', html: '<p>2</p>', text: '2' }, new Date('2026-11-27T08:01:00Z'));
    const entries = await outbox.list();
    expect(entries.map((e) => e.subject)).toEqual(['Second', 'First']);
    expect(fs.readdirSync(outbox.dir).every((name) => name.endsWith('.eml'))).toBe(true);
    const parsed = await simpleParser(fs.readFileSync(path.join(outbox.dir, entries[1]!.file)));
    expect(parsed.to).toMatchObject({ text: 'a@example.com' });
    expect(await outbox.read('../../etc/passwd')).toBeNull();
    expect(await outbox.read('20261127T080000000Z-00000000.eml')).toBeNull();
  });

  it('lets a new user read and click their confirmation email at /dev/outbox', async () => {
    const { app, services } = await testApp();
    await app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email: 'ada@example.com', topics: 'LoRA <3' }) });
    await services.subscriptions.drain();
    const list = await app.inject({ method: 'GET', url: '/dev/outbox' });
    expect(list.statusCode).toBe(200);
    const file = /href="\/dev\/outbox\/([^"]+\.eml)">Confirm your paperboy subscription</.exec(list.body)?.[1];
    expect(file).toBeDefined();
    expect(list.body).toContain('<td>ada@example.com</td>');

    const view = await app.inject({ method: 'GET', url: `/dev/outbox/${file}` });
    expect(view.statusCode).toBe(200);
    expect(view.body).toMatch(/<a href="http:\/\/paperboy\.test\/confirm\?token&#x3D;[^"]+">http:\/\/paperboy\.test\/confirm/);
    expect(view.body).toContain('daily at 08:00 (UTC), on 1 topic.');
    expect(view.body).not.toContain('LoRA <3');
    expect(view.body).toContain(`src="/dev/outbox/${file}/html" sandbox="`);

    const html = await app.inject({ method: 'GET', url: `/dev/outbox/${file}/html` });
    expect(html.headers['content-security-policy']).toMatch(/^sandbox allow-popups[^;]*; default-src 'none'/);
    expect(html.body).toContain('<base target="_top">');
    expect(html.body).toContain('Confirm my subscription');

    const raw = await app.inject({ method: 'GET', url: `/dev/outbox/${file}/raw` });
    expect(raw.headers['content-type']).toBe('message/rfc822');
    expect(raw.body).toMatch(/^Content-Type: multipart\/alternative/m);

    for (const bad of ['nope.eml', '..%2F..%2Fpaperboy.db', '20261127T080000000Z-00000000.eml']) {
      expect((await app.inject({ method: 'GET', url: `/dev/outbox/${bad}` })).statusCode).toBe(404);
    }
  });

  it('does not exist when an SMTP relay is set', async () => {
    const { app } = await testApp({ env: { SMTP_URL: 'smtp://127.0.0.1:1' } });
    const res = await app.inject({ method: 'GET', url: '/dev/outbox', headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('<h1>Page not found</h1>');
  });
});
