import { describe, expect, it } from 'vitest';
import { BODY_LIMIT } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { FORM, form } from '../helpers/http.js';
import { recordingTransport } from '../helpers/mail.js';

const valid = { email: 'ada@example.com', topics: 'LoRA', frequency: 'daily', weekday: '1', send_hour: '8', timezone: 'UTC' };

async function appWithMail(env: Record<string, string> = {}) {
  const mail = recordingTransport();
  const opened = await testApp({ transport: mail.transport, seed: false, env });
  const counts = () => ({
    subscribers: (opened.db.prepare('SELECT count(*) AS n FROM subscribers').get() as { n: number }).n,
    topics: (opened.db.prepare('SELECT count(*) AS n FROM subscriber_topics').get() as { n: number }).n,
    emails: mail.sent.length,
  });
  return { ...opened, sent: mail.sent, counts };
}

const post = (app: Awaited<ReturnType<typeof appWithMail>>['app'], fields: Record<string, string | string[]>) =>
  app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form(fields) });

const postJson = (app: Awaited<ReturnType<typeof appWithMail>>['app'], body: unknown) =>
  app.inject({ method: 'POST', url: '/subscribe', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

const BAD_INPUTS: Array<[string, Record<string, string | string[]>, string, RegExp]> = [
  ['a malformed email', { email: 'ada.example.com' }, 'email', /Enter an email address such as/],
  ['an email with two @', { email: 'ada@@example.com' }, 'email', /Enter an email address such as/],
  ['an overlong email', { email: `${'a'.repeat(60)}@${'b'.repeat(200)}.com` }, 'email', /longer than 254 characters/],
  ['an overlong local part', { email: `${'a'.repeat(65)}@example.com` }, 'email', /before the @ is longer than 64/],
  ['an empty email', { email: '' }, 'email', /Enter your email address/],
  ['an email sent twice', { email: ['ada@example.com', 'eve@example.com'] }, 'email', /Send your email address once/],
  ['a CR/LF header injection in the email', { email: 'ada@example.com\r\nBcc: victim@example.com' }, 'email', /one line/],
  ['an empty topic list', { topics: '' }, 'topics', /Enter at least one topic/],
  ['a topic list of blank lines', { topics: '\n \n\t\n' }, 'topics', /Enter at least one topic/],
  ['too many topics', { topics: Array.from({ length: 26 }, (_, i) => `topic${i}`).join('\n') }, 'topics', /more than 25 topics/],
  ['an overlong topic', { topics: 'x'.repeat(201) }, 'topics', /201 characters long/],
  ['an unclosed quote', { topics: '"mixture of experts' }, 'topics', /quote that is not closed/],
  ['a topic that only excludes', { topics: '-video' }, 'topics', /only excludes/],
  ['a control character in a topic', { topics: 'lora\u001b[31m' }, 'topics', /control character/],
  ['an unknown timezone', { timezone: 'Mars/Olympus_Mons' }, 'timezone', /Choose a time zone from the list/],
  ['an offset instead of a timezone', { timezone: '+05:00' }, 'timezone', /Choose a time zone from the list/],
  ['a timezone with CR/LF', { timezone: 'UTC\r\nX-Injected: 1' }, 'timezone', /Choose a time zone from the list/],
  ['hour 24', { send_hour: '24' }, 'send_hour', /from 0 to 23/],
  ['hour -1', { send_hour: '-1' }, 'send_hour', /from 0 to 23/],
  ['a fractional hour', { send_hour: '7.5' }, 'send_hour', /from 0 to 23/],
  ['an hour with a line break', { send_hour: '7\r\n' }, 'send_hour', /from 0 to 23/],
  ['a monthly frequency', { frequency: 'monthly' }, 'frequency', /Choose daily or weekly/],
  ['weekly with no weekday', { frequency: 'weekly', weekday: '' }, 'weekday', /Choose the weekday/],
  ['weekly on day 7', { frequency: 'weekly', weekday: '7' }, 'weekday', /Choose the weekday/],
];

describe('POST /subscribe refuses bad input and changes nothing', () => {
  it.each(BAD_INPUTS)('re-renders the form for %s, keeping what was typed', async (_label, change, field, message) => {
    const { app, counts, services } = await appWithMail();
    const res = await post(app, { ...valid, topics: 'keep <b>me</b>', ...change });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const errorLine = new RegExp(`<div class="field-error" id="${field}-error"><p><span aria-hidden="true">⚠ </span>([^<]*)</p>`).exec(res.body);
    expect(errorLine?.[1]).toMatch(message);
    // The field itself is marked, so a screen reader announces the message with it.
    expect(res.body).toMatch(new RegExp(`aria-describedby="[^"]*${field}-error"`));
    // What was typed comes back, escaped: a person fixes one field, not all of them.
    if (!('topics' in change)) expect(res.body).toContain('>keep &lt;b&gt;me&lt;/b&gt;</textarea>');
    await services.subscriptions.drain();
    expect(counts()).toEqual({ subscribers: 0, topics: 0, emails: 0 });
  });

  it.each(BAD_INPUTS)('answers JSON field errors for %s', async (_label, change, field, message) => {
    const { app, counts, services } = await appWithMail();
    const res = await postJson(app, { ...valid, ...change });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', fields: { [field]: expect.stringMatching(message) } });
    await services.subscriptions.drain();
    expect(counts()).toEqual({ subscribers: 0, topics: 0, emails: 0 });
  });

  it('names every bad topic at once, each on its own line and quoted once', async () => {
    const { app, counts } = await appWithMail();
    const res = await post(app, { ...valid, topics: 'LoRA\n"mixture of experts\n-video' });
    expect(res.statusCode).toBe(400);
    const box = /<div class="field-error" id="topics-error">(.*?)<\/div>/s.exec(res.body)?.[1] ?? '';
    const lines = [...box.matchAll(/<p><span aria-hidden="true">⚠ <\/span>([^<]*)<\/p>/g)].map((m) => m[1]);
    expect(lines).toEqual([
      'Topic “&quot;mixture of experts” has a quote that is not closed; close it or remove it.',
      'Topic “-video” only excludes words; add at least one word to look for.',
    ]);
    const json = await postJson(app, { ...valid, topics: ['"mixture of experts', '-video'] });
    expect(json.json().fields.topics.split('\n')).toHaveLength(2);
    expect(counts()).toMatchObject({ subscribers: 0 });
  });

  it('names every bad field at once', async () => {
    const { app } = await appWithMail();
    const res = await postJson(app, { email: 'x', topics: '', frequency: 'hourly', send_hour: 99, timezone: 'Nowhere' });
    expect(Object.keys(res.json().fields).sort()).toEqual(['email', 'frequency', 'send_hour', 'timezone', 'topics']);
  });

  it.each([
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"ada@example.com"'],
    ['JSON null', 'null'],
  ])('refuses %s as the body', async (_label, payload) => {
    const { app, counts } = await appWithMail();
    const res = await app.inject({ method: 'POST', url: '/subscribe', headers: { 'content-type': 'application/json' }, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/Send the form fields as an object/);
    expect(counts()).toEqual({ subscribers: 0, topics: 0, emails: 0 });
  });

  it('refuses broken JSON with a message', async () => {
    const { app, counts } = await appWithMail();
    const res = await app.inject({ method: 'POST', url: '/subscribe', headers: { 'content-type': 'application/json' }, payload: '{"email": ' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe('The JSON body is not valid JSON.');
    expect(counts().subscribers).toBe(0);
  });

  it.each([
    ['text/plain', 400],
    ['application/xml', 415],
  ])('refuses a %s body', async (type, status) => {
    const { app, counts } = await appWithMail();
    const res = await app.inject({ method: 'POST', url: '/subscribe', headers: { 'content-type': type }, payload: 'email=ada@example.com' });
    expect(res.statusCode).toBe(status);
    expect(res.body).toMatch(/Send the form/);
    expect(counts().subscribers).toBe(0);
  });

  it.each([
    ['a form', FORM, form({ ...valid, topics: `LoRA\n${'x'.repeat(BODY_LIMIT)}` })],
    ['JSON', { 'content-type': 'application/json' }, JSON.stringify({ ...valid, topics: 'x'.repeat(BODY_LIMIT) })],
  ])('answers 413 for an oversized body sent as %s', async (_label, headers, payload) => {
    const { app, counts } = await appWithMail();
    const res = await app.inject({ method: 'POST', url: '/subscribe', headers, payload });
    expect(res.statusCode).toBe(413);
    expect(res.body).toMatch(/too large/);
    expect(counts().subscribers).toBe(0);
  });

  it('accepts a filled honeypot silently and stores nothing', async () => {
    const { app, counts, services } = await appWithMail();
    const bot = await post(app, { ...valid, website: 'https://cheap-pills.example' });
    const human = await post(app, { ...valid, email: 'grace@example.com' });
    expect(bot.statusCode).toBe(200);
    expect(bot.body).toBe(human.body);
    await services.subscriptions.drain();
    expect(counts()).toEqual({ subscribers: 1, topics: 1, emails: 1 });
  });
});

describe('POST /subscribe tells nobody who subscribes', () => {
  it('answers byte for byte the same for a new, a pending and an active address', async () => {
    const { app, db } = await appWithMail();
    // Only the clock and the caller's own remaining quota may differ.
    const strip = (headers: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'date' && name !== 'x-ratelimit-remaining'));
    const first = await post(app, valid);
    const pending = await post(app, valid);
    db.prepare("UPDATE subscribers SET status = 'active'").run();
    const active = await post(app, valid);
    const stranger = await post(app, { ...valid, email: 'stranger@example.com' });
    for (const res of [pending, active, stranger]) {
      expect(res.statusCode).toBe(first.statusCode);
      expect(res.rawPayload.equals(first.rawPayload)).toBe(true);
      expect(strip(res.headers)).toEqual(strip(first.headers));
    }
    const json = [];
    for (const email of ['ada@example.com', 'new@example.com']) {
      json.push(await postJson(app, { ...valid, email }));
    }
    expect(json[0]!.statusCode).toBe(202);
    expect(json[0]!.rawPayload.equals(json[1]!.rawPayload)).toBe(true);
  });
});

describe('POST /subscribe rate limit', () => {
  it('answers 429 with a readable page once an address sends too many', async () => {
    const { app, counts, services } = await appWithMail({ SUBSCRIBE_RATE_LIMIT: '3' });
    for (let i = 0; i < 3; i += 1) {
      expect((await post(app, { ...valid, email: `p${i}@example.com` })).statusCode).toBe(200);
    }
    const limited = await post(app, { ...valid, email: 'p3@example.com' });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^text\/html/);
    expect(limited.headers['retry-after']).toBeDefined();
    expect(limited.body).toMatch(/Too many attempts from your address\. Wait 1 minute and try again\./);
    const limitedJson = await postJson(app, { ...valid, email: 'p4@example.com' });
    expect(limitedJson.statusCode).toBe(429);
    expect(limitedJson.json()).toMatchObject({ statusCode: 429, message: expect.stringMatching(/Too many attempts/) });
    await services.subscriptions.drain();
    expect(counts().subscribers).toBe(3);
  });

  it('counts each address separately', async () => {
    const { app } = await appWithMail({ SUBSCRIBE_RATE_LIMIT: '1' });
    const from = (ip: string) => app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form(valid), remoteAddress: ip });
    expect((await from('10.0.0.1')).statusCode).toBe(200);
    expect((await from('10.0.0.1')).statusCode).toBe(429);
    expect((await from('10.0.0.2')).statusCode).toBe(200);
  });

  it('can be turned off', async () => {
    const { app } = await appWithMail({ SUBSCRIBE_RATE_LIMIT: '0' });
    for (let i = 0; i < 15; i += 1) expect((await post(app, { ...valid, email: `p${i}@example.com` })).statusCode).toBe(200);
  });
});
