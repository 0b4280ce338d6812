import { describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app.js';
import { addSubscriber } from '../helpers/digest.js';
import { FORM, form } from '../helpers/http.js';
import { recordingTransport } from '../helpers/mail.js';

const html = { accept: 'text/html' };

/** The app mailing into a list, with the clock in the test's hands. */
async function world() {
  const mail = recordingTransport();
  const clock = { now: new Date('2026-11-27T10:00:00Z') };
  const opened = await testApp({ transport: mail.transport, clock: () => clock.now });
  const sent = async () => {
    await opened.services.subscriptions.drain();
    return mail.sent.map((email) => ({ to: String(email.to), subject: email.subject }));
  };
  return { ...opened, clock, sent };
}

describe('error pages a person can read', () => {
  it('name a broken link for what it is and offer to email a fresh one, on every page a link opens', async () => {
    const { app } = await world();
    const urls = [
      '/preferences?token=1.1.broken',
      '/unsubscribe?token=1.1.broken',
      '/digests/1?token=1.1.broken',
      '/preferences',
      '/feeds/1.1.broken.atom',
    ];
    for (const url of urls) {
      const res = await app.inject({ method: 'GET', url, headers: html });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.body, url).toContain('<title>This link does not work · paperboy</title>');
      expect(res.body, url).not.toContain('Bad Request');
      expect(res.body, url).toMatch(/<form method="post" action="\/manage-link" class="card">/);
      expect(res.body, url).toContain('<input id="email" name="email" type="email"');
      // The form takes an address, never the token that failed, so the page grants nothing itself.
      expect(res.body, url).not.toContain('broken');
    }
    const confirm = await app.inject({ method: 'GET', url: '/confirm?token=1.1.broken' });
    expect(confirm.body).toContain('<title>This link does not work · paperboy</title>');
    expect(confirm.body).toMatch(/<form method="post" action="\/confirm\/resend" class="card">/);
  });

  it('give other failures human titles and keep JSON for programs', async () => {
    const { app } = await world();
    const tooLarge = await app.inject({ method: 'POST', url: '/subscribe', headers: { ...FORM, ...html }, payload: `topics=${'a'.repeat(70_000)}` });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.body).toContain('<h1>That is too much to send</h1>');
    const json = await app.inject({ method: 'GET', url: '/no/such/page', headers: { accept: 'application/json' } });
    expect(json.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('say an expired confirmation link has expired', async () => {
    const { app, services, clock } = await world();
    await app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email: 'ada@example.com', topics: 'LoRA' }) });
    const token = services.links.token('confirm', services.subscribers.findByEmail('ada@example.com')!);
    clock.now = new Date('2026-12-27T10:00:00Z');
    const res = await app.inject({ method: 'GET', url: `/confirm?token=${token}` });
    expect(res.statusCode).toBe(410);
    expect(res.body).toContain('<title>This link has expired · paperboy</title>');
    expect(res.body).toContain('Send me a new link');
  });
});

describe('POST /manage-link with an address', () => {
  it('emails a fresh manage link to a subscribed address and answers every address alike', async () => {
    const { app, services, sent, clock } = await world();
    addSubscriber(services.db, { email: 'ada@example.com', topics: ['LoRA'] });
    const ask = (email: string) => app.inject({ method: 'POST', url: '/manage-link', headers: FORM, payload: form({ email }) });
    const known = await ask('ada@example.com');
    const unknown = await ask('nobody@example.com');
    expect([known.statusCode, unknown.statusCode]).toEqual([200, 200]);
    expect(known.body).toBe(unknown.body);
    expect(known.body).toContain('If this address has a subscription');
    expect(await sent()).toEqual([{ to: 'ada@example.com', subject: 'Your link to manage paperboy' }]);
    // Asked again at once, the two-minute guard holds the second email back; the answer does not say so.
    clock.now = new Date('2026-11-27T10:01:00Z');
    expect((await ask('ada@example.com')).body).toBe(known.body);
    expect(await sent()).toHaveLength(1);
  });

  it('asks again for a malformed address and sends nothing', async () => {
    const { app, sent } = await world();
    const res = await app.inject({ method: 'POST', url: '/manage-link', headers: FORM, payload: form({ email: 'not an address' }) });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Enter an email address such as ada@example.com.');
    expect(res.body).toMatch(/<form method="post" action="\/manage-link" class="card">/);
    expect(await sent()).toEqual([]);
  });

  it('is rate limited like the other form posts', async () => {
    const { app } = await testApp({ seed: false, env: { SUBSCRIBE_RATE_LIMIT: '2' } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      statuses.push((await app.inject({ method: 'POST', url: '/manage-link', headers: FORM, payload: form({ email: `x${i}@example.com` }) })).statusCode);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('the confirmed page', () => {
  it('says when the first digest arrives, by the scheduler own rule', async () => {
    const { app, services } = await world();
    const subscribe = (email: string, sendHour: string, timezone: string) =>
      app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email, topics: 'LoRA', send_hour: sendHour, timezone }) });
    const confirm = (email: string) =>
      app.inject({ method: 'POST', url: `/confirm?token=${services.links.token('confirm', services.subscribers.findByEmail(email)!)}` });
    // 10:00 UTC: an 18:00 UTC reader waits for tonight; an 08:00 UTC reader is past their hour, so theirs goes at the next tick.
    await subscribe('late@example.com', '18', 'UTC');
    await subscribe('early@example.com', '8', 'UTC');
    expect((await confirm('late@example.com')).body).toContain('Your first digest arrives today at 18:00 (UTC)');
    expect((await confirm('early@example.com')).body).toContain('Your first digest arrives in the next few minutes');
    // Confirming twice says the subscription is on, with no first-digest promise.
    const again = await confirm('late@example.com');
    expect(again.body).toContain('You are already subscribed');
    expect(again.body).not.toContain('Your first digest');
    // The next steps are buttons, apart from the list of topics.
    expect(again.body).toMatch(/<div class="actions">\s*<form method="post" action="\/manage-link\?token&#x3D;/);
  });
});

describe('the time-zone list', () => {
  it('offers current names with UTC offsets, and stores a current name for an old spelling', async () => {
    const { app, services } = await world();
    const page = (await app.inject({ method: 'GET', url: '/' })).body;
    expect(page).toContain('<option value="Asia/Kolkata" data-aliases="Asia/Calcutta">Asia/Kolkata (UTC+05:30)</option>');
    expect(page).toMatch(/<option value="Europe\/Kyiv" data-aliases="Europe\/Kiev">Europe\/Kyiv \(UTC\+0[23]:00\)<\/option>/);
    expect(page).toContain('<option value="America/New_York">America/New York (UTC-0');
    expect(page).not.toContain('value="Asia/Calcutta"');
    expect(page).toContain('<option value="UTC" selected>UTC</option>');
    await app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email: 'ada@example.com', topics: 'LoRA', timezone: 'Asia/Calcutta' }) });
    await app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email: 'bo@example.com', topics: 'LoRA', timezone: 'Europe/Kyiv' }) });
    expect(services.subscribers.findByEmail('ada@example.com')?.timezone).toBe('Asia/Kolkata');
    expect(services.subscribers.findByEmail('bo@example.com')?.timezone).toBe('Europe/Kyiv');
  });

  it('selects the current name for a subscriber stored under an old one', async () => {
    const { app, services } = await world();
    const reader = addSubscriber(services.db, { email: 'ada@example.com', topics: ['LoRA'], timezone: 'Asia/Calcutta' });
    const page = (await app.inject({ method: 'GET', url: `/preferences?token=${services.links.token('manage', reader)}` })).body;
    expect(page).toContain('<option value="Asia/Kolkata" data-aliases="Asia/Calcutta" selected>');
  });
});

describe('the live preview', () => {
  it('gives each paper a date and lists every bad topic on its own line', async () => {
    const { app } = await world();
    const ok = await app.inject({ method: 'GET', url: '/api/matches?limit=3&topics=test-time%20adaptation' });
    const papers = ok.json() as Array<{ ingestedAt: string; matched: string[] }>;
    expect(papers.length).toBeGreaterThan(0);
    for (const paper of papers) {
      expect(Number.isNaN(Date.parse(paper.ingestedAt))).toBe(false);
      expect(new Set(paper.matched.map((term) => term.replace(/-/g, ' '))).size).toBe(paper.matched.length);
    }
    const bad = await app.inject({ method: 'GET', url: `/api/matches?topics=${encodeURIComponent('"a b\n-video\nLoRA')}` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'topics' });
    expect(bad.json().message.split('\n')).toEqual([
      'Topic “"a b” has a quote that is not closed; close it or remove it.',
      'Topic “-video” only excludes words; add at least one word to look for.',
    ]);
  });
});
