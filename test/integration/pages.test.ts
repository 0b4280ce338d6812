import { describe, expect, it } from 'vitest';
import { subscribeSchema } from '../../src/subscriptions/subscription.schema.js';
import { testApp } from '../helpers/app.js';
import { FORM, cookiesFrom, form, hiddenField } from '../helpers/http.js';
import { recordingTransport } from '../helpers/mail.js';

const HOSTILE = '<script>alert(1)</script> "quoted" \'single\' & <img src=x onerror=alert(2)>';

describe('pages', () => {
  it('serve the subscribe form with security headers and a strict script policy', async () => {
    const { app } = await testApp();
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("script-src-attr 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    // No inline script: the page's only script is a file the policy allows.
    expect(res.body).not.toMatch(/<script>(?!<)/);
    expect(res.body).toContain('<script src="/assets/subscribe.js" defer></script>');
    expect(res.body).toMatch(/<label for="email">Email address<\/label>/);
    expect(res.body).toMatch(/<input id="website" name="website" type="text" tabindex="-1" autocomplete="off">/);
  });

  it('send the same security headers on every answer: pages, JSON, errors and unknown addresses', async () => {
    const { app } = await testApp();
    const home = await app.inject({ method: 'GET', url: '/' });
    expect(home.headers['content-security-policy']).toContain("default-src 'self'");
    expect(home.headers['cross-origin-opener-policy']).toBe('same-origin');
    const answers = await Promise.all([
      app.inject({ method: 'GET', url: '/no-such-page', headers: { accept: 'text/html' } }),
      app.inject({ method: 'GET', url: '/healthz' }),
      app.inject({ method: 'POST', url: '/subscribe', headers: { 'content-type': 'application/json' }, payload: '{"email":' }),
      app.inject({ method: 'GET', url: '/confirm?token=not-a-token' }),
    ]);
    for (const res of answers) {
      for (const name of ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'cross-origin-opener-policy']) {
        expect(res.headers[name], `${name} on ${res.statusCode}`).toBe(home.headers[name]);
      }
    }
    expect(answers.map((res) => res.statusCode)).toEqual([404, 200, 400, expect.any(Number)]);
  });

  it('upgrade insecure requests and send HSTS only behind an https public URL', async () => {
    const { app } = await testApp({ env: { PUBLIC_URL: 'https://papers.example.com' } });
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(String(res.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });

  it('serve the stylesheet and script the pages use', async () => {
    const { app } = await testApp();
    const css = await app.inject({ method: 'GET', url: '/assets/style.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const js = await app.inject({ method: 'GET', url: '/assets/subscribe.js' });
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toContain('textContent');
    expect(js.body).not.toMatch(/\.innerHTML\s*=/);
  });

  it('escape what a person typed on every page that shows it', async () => {
    const mail = recordingTransport();
    const { app, services, db } = await testApp({ transport: mail.transport });
    const res = await app.inject({
      method: 'POST',
      url: '/subscribe',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'ada@example.com', topics: [HOSTILE, 'LoRA'] }),
    });
    expect(res.statusCode).toBe(202);
    await services.subscriptions.drain();
    const subscriber = services.subscribers.findByEmail('ada@example.com')!;
    expect(subscriber.topics[0]!.text).toBe(HOSTILE);
    // The confirmation email does not repeat it at all: whoever posted the form chose it.
    expect(String(mail.sent[0]!.html)).not.toMatch(/alert\(|&lt;script|<script/);
    expect(String(mail.sent[0]!.html)).toContain('on 2 topics');

    const confirmUrl = `/confirm?token=${services.links.token('confirm', subscriber)}`;
    const shown = await app.inject({ method: 'GET', url: confirmUrl });
    const confirmed = await app.inject({ method: 'POST', url: confirmUrl });
    const preferences = await app.inject({ method: 'GET', url: `/preferences?token=${services.links.token('manage', subscriber)}` });
    const invalid = await app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email: HOSTILE, topics: HOSTILE }) });
    for (const page of [shown, confirmed, preferences, invalid]) {
      expect(page.body).not.toContain('<script>alert');
      expect(page.body).not.toContain('<img src=x');
      expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &#x27;single&#x27; &amp; &lt;img');
    }
    expect(db.prepare('SELECT count(*) AS n FROM subscribers').get()).toEqual({ n: 1 });
  });

  it("answer a JSON request's refusal in JSON on the pages' own routes too, and a form post's with a page", async () => {
    const { app, services } = await testApp();
    await services.subscriptions.subscribe(subscribeSchema.parse({ email: 'ada@example.com', topics: 'LoRA', timezone: 'UTC' }));
    const ada = services.subscribers.findByEmail('ada@example.com')!;
    const json = { 'content-type': 'application/json' };

    const badLink = await app.inject({ method: 'POST', url: '/confirm?token=1.1.forged', headers: json, payload: '{}' });
    expect(badLink.statusCode).toBe(400);
    expect(badLink.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(/link/) });
    const badAddress = await app.inject({ method: 'POST', url: '/manage-link', headers: json, payload: JSON.stringify({ email: 'not an address' }) });
    expect(badAddress.statusCode).toBe(400);
    expect(badAddress.json()).toMatchObject({ statusCode: 400, message: expect.any(String) });

    // The preferences form, with its CSRF token as a program would send it.
    services.subscriptions.confirm(services.links.token('confirm', ada));
    const url = `/preferences?token=${services.links.token('manage', ada)}`;
    const page = await app.inject({ method: 'GET', url });
    const cookie = cookiesFrom(page.headers['set-cookie']);
    const posted = { email: 'ada@example.com', topics: '"unclosed quote', frequency: 'daily', send_hour: '8', timezone: 'UTC', _csrf: hiddenField(page.body, '_csrf') };
    const refused = await app.inject({ method: 'POST', url, headers: { ...json, cookie }, payload: JSON.stringify(posted) });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ statusCode: 400, message: 'Some fields need a change.', fields: { topics: expect.any(String) } });
    const asForm = await app.inject({ method: 'POST', url, headers: { ...FORM, cookie }, payload: form(posted) });
    expect(asForm.statusCode).toBe(400);
    expect(asForm.headers['content-type']).toMatch(/^text\/html/);
    expect(services.subscribers.findByEmail('ada@example.com')!.topics.map((t) => t.text)).toEqual(['LoRA']);
  });

  it('answer an unknown page with an HTML 404 for browsers and JSON for programs', async () => {
    const { app } = await testApp();
    const page = await app.inject({ method: 'GET', url: '/<b>nope</b>', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<h1>Page not found</h1>');
    expect(page.body).toContain('There is no page at this address.');
    // The path is not echoed back, escaped or not: it may carry a mistyped token.
    expect(page.body).not.toMatch(/nope|GET \//);
    const json = await app.inject({ method: 'GET', url: '/nope', headers: { accept: 'application/json' } });
    expect(json.json()).toMatchObject({ statusCode: 404 });
  });
});
