import { describe, expect, it } from 'vitest';
import { TokenSigner } from '../../src/subscriptions/tokens.js';
import type { PagePurpose } from '../../src/subscriptions/subscriber-links.js';
import { testApp } from '../helpers/app.js';
import { FORM, cookiesFrom, form, hiddenField } from '../helpers/http.js';
import { recordingTransport } from '../helpers/mail.js';

const PREFS = { topics: [{ text: 'LoRA', key: 'lora' }], frequency: 'daily' as const, weekday: null, sendHour: 8, timezone: 'UTC' };

async function appWithSubscriber(status: 'pending' | 'active' = 'active', clock?: () => Date) {
  const mail = recordingTransport();
  const opened = await testApp({ seed: false, transport: mail.transport, clock });
  const { subscribers, links } = opened.services;
  const now = new Date('2026-11-27T10:00:00Z').toISOString();
  let subscriber = subscribers.insertPending('ada@example.com', PREFS, now);
  if (status === 'active') subscribers.transition(subscriber.id, ['pending'], 'active', now);
  subscriber = subscribers.findById(subscriber.id)!;
  const snapshot = () => JSON.stringify(opened.db.prepare('SELECT * FROM subscribers').all()) + JSON.stringify(opened.db.prepare('SELECT * FROM subscriber_topics').all());
  const path = (purpose: PagePurpose) => links.url(purpose, subscriber).replace(/^https?:\/\/[^/]+/, '');
  const status_ = () => (opened.db.prepare('SELECT status FROM subscribers WHERE id = ?').get(subscriber.id) as { status: string } | undefined)?.status;
  return { ...opened, subscriber, snapshot, path, status: status_, sent: mail.sent };
}

describe('links with a bad token get a 400 page and change nothing', () => {
  // The route, the purpose its link carries, and a purpose it must refuse.
  const routes: Array<[string, string, PagePurpose, PagePurpose]> = [
    ['GET', '/confirm', 'confirm', 'manage'],
    ['POST', '/confirm', 'confirm', 'manage'],
    ['GET', '/preferences', 'manage', 'unsubscribe'],
    ['POST', '/preferences', 'manage', 'unsubscribe'],
    ['POST', '/preferences/delete', 'manage', 'unsubscribe'],
    ['POST', '/resubscribe', 'manage', 'confirm'],
    ['POST', '/resubscribe', 'unsubscribe', 'confirm'],
    ['GET', '/unsubscribe', 'unsubscribe', 'manage'],
    ['POST', '/unsubscribe', 'unsubscribe', 'manage'],
  ];
  const rotated = new TokenSigner(Buffer.from('a-different-key-from-before-the-rotation-0123'));

  it.each(routes)('%s %s (%s link)', async (method, route, purpose, other) => {
    const { app, services, subscriber, snapshot, db } = await appWithSubscriber('pending');
    db.prepare("UPDATE subscribers SET status = 'unsubscribed', confirmed_at = '2026-11-01T00:00:00Z'").run();
    const genuine = services.links.token(purpose, subscriber);
    const before = snapshot();
    const { tokenSecret: secret } = subscriber;
    const bad = {
      forged: `${subscriber.id}.1.${'A'.repeat(43)}`,
      truncated: genuine.slice(0, -5),
      'wrong purpose': services.links.token(other, subscriber),
      'rotated key': rotated.sign(purpose, { subscriberId: subscriber.id, tokenVersion: 1, secret }),
      'another subscriber': services.tokens.sign(purpose, { subscriberId: subscriber.id + 1, tokenVersion: 1, secret }),
      'another secret': services.tokens.sign(purpose, { subscriberId: subscriber.id, tokenVersion: 1, secret: 'f'.repeat(32) }),
      'a version not issued yet': services.tokens.sign(purpose, { subscriberId: subscriber.id, tokenVersion: 2, secret }),
      'oversized': 'x'.repeat(5000),
      'sent twice': [genuine, genuine],
    };
    for (const [label, token] of Object.entries(bad)) {
      const query = [token].flat().map((t) => `token=${encodeURIComponent(t)}`).join('&');
      const res = await app.inject({ method: method as 'GET' | 'POST', url: `${route}?${query}`, headers: FORM, payload: method === 'POST' ? 'List-Unsubscribe=One-Click' : undefined });
      expect(res.statusCode, label).toBe(400);
      expect(res.headers['content-type'], label).toMatch(/^text\/html/);
      expect(res.body, label).toMatch(/This link is not valid|This confirmation link does not work/);
    }
    const missing = await app.inject({ method: method as 'GET' | 'POST', url: route });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('This link is missing its token');
    expect(snapshot()).toBe(before);
  });

  it('stops every old link but the unsubscribe link once the token version is raised', async () => {
    const { app, path, db } = await appWithSubscriber();
    const manage = path('manage');
    const unsubscribe = path('unsubscribe');
    expect((await app.inject({ method: 'GET', url: manage })).statusCode).toBe(200);
    db.prepare('UPDATE subscribers SET token_version = token_version + 1').run();
    expect((await app.inject({ method: 'GET', url: manage })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: unsubscribe })).statusCode).toBe(200);
  });
});

describe('confirmation links', () => {
  it('offers a new link when the old one expired, and the new email revives it', async () => {
    const clock = { now: new Date('2026-11-27T10:00:00Z') };
    const { app, path, status, sent, services } = await appWithSubscriber('pending', () => clock.now);
    clock.now = new Date('2026-12-05T10:00:00Z');
    const expired = await app.inject({ method: 'GET', url: path('confirm') });
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('This confirmation link has expired');
    expect(status()).toBe('pending');
    const resend = /action="([^"]+)"/.exec(expired.body.split('<main')[1]!)![1]!.replace(/&#x3D;/g, '=');
    const resent = await app.inject({ method: 'POST', url: resend });
    expect(resent.statusCode).toBe(200);
    await services.subscriptions.drain();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toBe('Confirm your paperboy subscription');
    const shown = await app.inject({ method: 'GET', url: path('confirm') });
    expect(shown.statusCode).toBe(200);
    expect(status()).toBe('pending');
    const confirmed = await app.inject({ method: 'POST', url: path('confirm') });
    expect(confirmed.statusCode).toBe(200);
    expect(status()).toBe('active');
  });

  it('sends a new link to a typed address without saying whether it is known', async () => {
    const { app, sent, services } = await appWithSubscriber('pending');
    const known = await app.inject({ method: 'POST', url: '/confirm/resend', headers: FORM, payload: form({ email: 'ada@example.com' }) });
    const unknown = await app.inject({ method: 'POST', url: '/confirm/resend', headers: FORM, payload: form({ email: 'nobody@example.com' }) });
    expect(known.statusCode).toBe(200);
    expect(unknown.body).toBe(known.body);
    await services.subscriptions.drain();
    expect(sent.map((m) => m.to)).toEqual(['ada@example.com']);
    const bad = await app.inject({ method: 'POST', url: '/confirm/resend', headers: FORM, payload: form({ email: 'not an address' }) });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Enter an email address such as');
  });
});

describe('one-click unsubscribe (RFC 8058)', () => {
  it('unsubscribes from a urlencoded one-click POST with no cookie and no redirect', async () => {
    const { app, path, status } = await appWithSubscriber();
    const res = await app.inject({ method: 'POST', url: path('unsubscribe'), headers: FORM, payload: 'List-Unsubscribe=One-Click' });
    expect(res.statusCode).toBe(200);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(status()).toBe('unsubscribed');
  });

  it('unsubscribes from a multipart one-click POST', async () => {
    const { app, path, status } = await appWithSubscriber();
    const boundary = '----paperboy-test-boundary';
    const payload = [`--${boundary}`, 'Content-Disposition: form-data; name="List-Unsubscribe"', '', 'One-Click', `--${boundary}--`, ''].join('\r\n');
    const res = await app.inject({ method: 'POST', url: path('unsubscribe'), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
    expect(res.statusCode).toBe(200);
    expect(res.headers.location).toBeUndefined();
    expect(status()).toBe('unsubscribed');
  });

  it('refuses a multipart body that carries a file, and changes nothing', async () => {
    const { app, path, status } = await appWithSubscriber();
    const boundary = 'b';
    const payload = [`--${boundary}`, 'Content-Disposition: form-data; name="f"; filename="x.txt"', 'Content-Type: text/plain', '', 'x', `--${boundary}--`, ''].join('\r\n');
    const res = await app.inject({ method: 'POST', url: path('unsubscribe'), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(status()).toBe('active');
  });

  it.each([
    ['with no boundary', 'multipart/form-data', 'List-Unsubscribe=One-Click'],
    ['cut short', 'multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n'],
    ['that is not multipart at all', 'multipart/form-data; boundary=b', 'garbage'],
  ])('answers a multipart body %s with 400, not 500, and changes nothing', async (_label, type, payload) => {
    const { app, path, status } = await appWithSubscriber();
    const res = await app.inject({ method: 'POST', url: path('unsubscribe'), headers: { 'content-type': type }, payload });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('The form body could not be read.');
    expect(status()).toBe('active');
  });

  it('still answers 500 for a fault of ours behind a well-formed multipart body', async () => {
    const { app, path, db } = await appWithSubscriber();
    const url = path('unsubscribe');
    db.close();
    const boundary = 'b';
    const payload = [`--${boundary}`, 'Content-Disposition: form-data; name="List-Unsubscribe"', '', 'One-Click', `--${boundary}--`, ''].join('\r\n');
    const res = await app.inject({ method: 'POST', url, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('could not be read');
  });

  it('never unsubscribes on GET, so link scanners are harmless', async () => {
    const { app, path, status } = await appWithSubscriber();
    for (let i = 0; i < 3; i += 1) expect((await app.inject({ method: 'GET', url: path('unsubscribe') })).statusCode).toBe(200);
    expect((await app.inject({ method: 'HEAD', url: path('unsubscribe') })).statusCode).toBe(200);
    expect(status()).toBe('active');
  });

  it('is harmless when repeated', async () => {
    const { app, path, status } = await appWithSubscriber();
    for (let i = 0; i < 2; i += 1) {
      const res = await app.inject({ method: 'POST', url: path('unsubscribe'), headers: FORM, payload: 'List-Unsubscribe=One-Click' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('You are unsubscribed');
    }
    expect(status()).toBe('unsubscribed');
  });
});

describe('preferences', () => {
  async function openPreferences() {
    const opened = await appWithSubscriber();
    const page = await opened.app.inject({ method: 'GET', url: opened.path('manage') });
    expect(page.statusCode).toBe(200);
    return { ...opened, csrf: hiddenField(page.body, '_csrf'), cookie: cookiesFrom(page.headers['set-cookie']) };
  }
  const change = { topics: 'diffusion', frequency: 'weekly', weekday: '5', send_hour: '18', timezone: 'Europe/Berlin' };

  it('refuses a post without the CSRF field or cookie, and changes nothing', async () => {
    const { app, path, csrf, cookie, snapshot } = await openPreferences();
    const before = snapshot();
    const attempts = [
      { headers: { ...FORM }, payload: form({ ...change, _csrf: csrf }) },
      { headers: { ...FORM, cookie }, payload: form(change) },
      { headers: { ...FORM, cookie }, payload: form({ ...change, _csrf: 'forged' }) },
    ];
    for (const attempt of attempts) {
      const res = await app.inject({ method: 'POST', url: path('manage'), ...attempt });
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('This form has expired or was not sent from this site');
    }
    expect(snapshot()).toBe(before);
  });

  it('refuses a CSRF token taken from another subscriber’s page', async () => {
    const { app, services, csrf, cookie, snapshot } = await openPreferences();
    const other = services.subscribers.insertPending('eve@example.com', PREFS, new Date().toISOString());
    const before = snapshot();
    const res = await app.inject({ method: 'POST', url: `/preferences?token=${services.links.token('manage', other)}`, headers: { ...FORM, cookie }, payload: form({ ...change, _csrf: csrf }) });
    expect(res.statusCode).toBe(403);
    expect(snapshot()).toBe(before);
  });

  it('keeps the input and names the field when a value is wrong', async () => {
    const { app, path, csrf, cookie, snapshot } = await openPreferences();
    const before = snapshot();
    const res = await app.inject({ method: 'POST', url: path('manage'), headers: { ...FORM, cookie }, payload: form({ ...change, timezone: 'Atlantis/Capital', _csrf: csrf }) });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Nothing was saved.');
    expect(res.body).toContain('Choose a time zone from the list');
    expect(res.body).toContain('>diffusion</textarea>');
    expect(res.body).toMatch(/<option value="18" selected>/);
    expect(snapshot()).toBe(before);
  });

  it('offers an unsubscribed subscriber one button to come back', async () => {
    const { app, path, db, status } = await appWithSubscriber();
    db.prepare("UPDATE subscribers SET status = 'unsubscribed'").run();
    const page = await app.inject({ method: 'GET', url: path('manage') });
    expect(page.body).toContain('You are unsubscribed: no digests are sent.');
    const action = /<form method="post" action="(\/resubscribe\?token[^"]+)"/.exec(page.body)?.[1]?.replace(/&#x3D;/g, '=');
    expect(action).toBeDefined();
    expect((await app.inject({ method: 'POST', url: action! })).statusCode).toBe(200);
    expect(status()).toBe('active');
  });

  it('deletes the subscriber and every row about them', async () => {
    const { app, path, csrf, cookie, db } = await openPreferences();
    const url = path('manage').replace('/preferences', '/preferences/delete');
    const asked = await app.inject({ method: 'POST', url, headers: { ...FORM, cookie }, payload: form({ _csrf: csrf }) });
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('Delete your data?');
    expect(db.prepare('SELECT count(*) AS n FROM subscribers').get()).toEqual({ n: 1 });
    const res = await app.inject({ method: 'POST', url, headers: { ...FORM, cookie }, payload: form({ _csrf: hiddenField(asked.body, '_csrf'), confirm: 'delete' }) });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Your data is deleted');
    expect(db.prepare('SELECT count(*) AS n FROM subscribers').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM subscriber_topics').get()).toEqual({ n: 0 });
    // Every old link now fails.
    expect((await app.inject({ method: 'GET', url: path('manage') })).statusCode).toBe(400);
  });
});
