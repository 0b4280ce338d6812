import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/connection.js';
import { createServices } from '../../src/services.js';
import { TEST_SECRET, testApp } from '../helpers/app.js';
import { ADMIN_PASSWORD, loginAdmin, tryLogin } from '../helpers/admin.js';
import { addSubscriber, digestWorld } from '../helpers/digest.js';
import { FORM, cookiesFrom, form } from '../helpers/http.js';
import { recordingTransport } from '../helpers/mail.js';
import { paper } from '../helpers/papers.js';
import { erasedAddressTag, SEARCH_LIMIT } from '../../src/admin/admin.service.js';
import { RETRY } from '../../src/digest/digest-sender.js';

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

/** Every admin page and form, with a subscriber and a delivery id that exist. */
const GETS = ['/admin', '/admin/subscribers', '/admin/subscribers?q=ada', '/admin/subscribers/1', '/admin/deliveries', '/admin/audit'];
const POSTS = ['/admin/logout', '/admin/subscribers/1/resend', '/admin/subscribers/1/erase', '/admin/deliveries/1/retry', '/admin/suppressions/1/lift'];

describe('admin login', () => {
  it('is not there at all without ADMIN_PASSWORD', async () => {
    const { app } = await testApp();
    expect((await app.inject({ method: 'GET', url: '/admin/login' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
  });

  it('logs in with the password, refuses a wrong one, and logs out for good', async () => {
    const world = await testApp({ env: { ADMIN_PASSWORD, PUBLIC_URL: 'https://paperboy.test' } });
    const wrong = await tryLogin(world, 'not the password at all');
    expect(wrong.response.statusCode).toBe(401);
    expect(wrong.response.body).toContain('That password is not right.');
    expect(wrong.cookie).not.toContain('paperboy_admin');

    const { response } = await tryLogin(world, ADMIN_PASSWORD);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/admin');
    const session = [response.headers['set-cookie']].flat().find((line) => line!.startsWith('paperboy_admin='))!;
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; Secure/);
    expect(session).toMatch(/; SameSite=Strict/);

    const admin = await loginAdmin(world);
    const dashboard = await admin.get('/admin');
    expect(dashboard.statusCode).toBe(200);
    expect(dashboard.headers['cache-control']).toBe('no-store');
    expect(dashboard.body).toContain('<h1>Dashboard</h1>');
    // Fits the app's CSP as it is: no inline script and no script at all.
    expect(dashboard.body).not.toMatch(/<script|\son[a-z]+=/i);

    const out = await admin.post('/admin/logout');
    expect(out.statusCode).toBe(303);
    // The old cookie, replayed after logout, opens nothing: the session is gone from the database.
    const replay = await world.app.inject({ method: 'GET', url: '/admin', headers: { cookie: admin.cookie } });
    expect(replay.statusCode).toBe(303);
    expect(replay.headers.location).toBe('/admin/login');

    const actions = world.db.prepare('SELECT action FROM admin_audit ORDER BY id').pluck().all();
    expect(actions).toEqual(['login failed', 'login', 'login', 'logout']);
  });

  it('logs in with the password field alone, posted as the login form posts it', async () => {
    const world = await testApp({ env: { ADMIN_PASSWORD } });
    const login = await world.app.inject({ method: 'POST', url: '/admin/login', headers: FORM, payload: form({ password: ADMIN_PASSWORD }) });
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toBe('/admin');
    const cookie = cookiesFrom(login.headers['set-cookie']);
    expect((await world.app.inject({ method: 'GET', url: '/admin', headers: { cookie } })).statusCode).toBe(200);
  });

  it('ends every session when ADMIN_PASSWORD changes, and none when the server only restarts', async () => {
    const world = await testApp({ env: { ADMIN_PASSWORD } });
    const admin = await loginAdmin(world);
    for (const [password, status] of [[ADMIN_PASSWORD, 200], ['another password altogether', 303]] as const) {
      // The same database, opened by a server started again with this password.
      const db = openDatabase(world.db.name);
      const services = await createServices(db, loadConfig({ DATABASE_PATH: world.db.name, SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'silent', ADMIN_PASSWORD: password }));
      const app = buildApp({ services });
      try {
        const page = await app.inject({ method: 'GET', url: '/admin', headers: { cookie: admin.cookie } });
        expect([password, page.statusCode]).toEqual([password, status]);
      } finally {
        await app.close();
        await services.close();
        db.close();
      }
    }
  });

  it('limits login attempts per address', async () => {
    const world = await testApp({ env: { ADMIN_PASSWORD, ADMIN_LOGIN_RATE_LIMIT: '3' } });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await tryLogin(world, 'guess number ' + i)).response.statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
    // Even the right password waits out the limit.
    expect((await tryLogin(world, ADMIN_PASSWORD)).response.statusCode).toBe(429);
  });
});

describe('admin pages without a session', () => {
  it('sends every page to the login and refuses every form with 401, changing nothing', async () => {
    const world = await testApp({ env: { ADMIN_PASSWORD } });
    addSubscriber(world.db, { email: 'ada@example.com', topics: ['lora'] });
    for (const url of GETS) {
      const answer = await world.app.inject({ method: 'GET', url });
      expect([url, answer.statusCode, answer.headers.location]).toEqual([url, 303, '/admin/login']);
    }
    for (const url of POSTS) {
      const answer = await world.app.inject({ method: 'POST', url, headers: { ...FORM, cookie: 'paperboy_admin=forged' }, payload: '' });
      expect([url, answer.statusCode]).toEqual([url, 401]);
    }
    expect(world.db.prepare('SELECT count(*) FROM subscribers').pluck().get()).toBe(1);
  });

  it('refuses every admin form without its CSRF token, with a session', async () => {
    const world = await testApp({ env: { ADMIN_PASSWORD } });
    addSubscriber(world.db, { email: 'ada@example.com', topics: ['lora'] });
    const admin = await loginAdmin(world);
    // The login form itself needs no token (there is one admin, so a forged login gains nothing),
    // but a browser's post from another site is refused, even with the right password.
    const fromElsewhere = await world.app.inject({ method: 'POST', url: '/admin/login', headers: { ...FORM, 'sec-fetch-site': 'cross-site' }, payload: form({ password: ADMIN_PASSWORD }) });
    expect(fromElsewhere.statusCode).toBe(403);
    expect(String(fromElsewhere.headers['set-cookie'])).not.toContain('paperboy_admin');
    for (const url of POSTS) {
      for (const csrf of [{}, { _csrf: 'forged-token' }] as Array<Record<string, string>>) {
        const answer = await world.app.inject({ method: 'POST', url, headers: { ...FORM, cookie: admin.cookie }, payload: form(csrf) });
        expect([url, answer.statusCode]).toEqual([url, 403]);
      }
    }
    expect(world.db.prepare('SELECT count(*) FROM subscribers').pluck().get()).toBe(1);
    // Still logged in: the refused logout did nothing.
    expect((await admin.get('/admin')).statusCode).toBe(200);
  });
});

describe('admin actions', () => {
  it('retries a failed digest, which the next run sends, and lifts a suppression', async () => {
    let refuse = true;
    const world = await digestWorld({
      env: { ADMIN_PASSWORD },
      onData: ({ envelopeTo }) => {
        if (envelopeTo.includes('bob@example.com')) return smtpError(550, '5.1.1 mailbox does not exist');
        return refuse && envelopeTo.includes('ada@example.com') ? smtpError(451, '4.3.0 try again later') : null;
      },
    });
    const ada = world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    const bob = world.subscribe({ email: 'bob@example.com', topics: ['zebrafish'] });
    world.addPapers([paper({ title: 'Zebrafish regrow fins' })], '2026-11-26T10:00:00Z');
    // Every attempt refused for a temporary reason, until the retry budget is spent: the digest fails for good.
    for (let attempt = 0; attempt < RETRY.maxAttempts; attempt++) {
      await world.run(new Date(Date.parse('2026-11-27T08:00:00Z') + attempt * 61 * 60_000).toISOString());
    }
    const byEmail = () => Object.fromEntries(world.ledger().slice(0, 2).map((row) => [row.subscriber_id === ada.id ? 'ada' : 'bob', row]));
    expect(byEmail().bob).toMatchObject({ status: 'bounced' });
    const failed = byEmail().ada!;
    expect(failed.status).toBe('failed');

    const admin = await loginAdmin(world);
    const page = (await admin.get('/admin/deliveries')).body;
    expect(page).toContain('4.3.0 try again later');
    expect(page).toContain(`action="/admin/deliveries/${failed.id}/retry"`);
    expect(page).toContain(`action="/admin/suppressions/${bob.id}/lift"`);
    expect(page).toContain('5.1.1 mailbox does not exist');

    refuse = false;
    const retried = await admin.post(`/admin/deliveries/${failed.id}/retry`, {}, '/admin/deliveries');
    expect(retried.statusCode).toBe(303);
    expect(byEmail().ada).toMatchObject({ status: 'pending', attempts: 0, message_id: failed.message_id });
    expect((await admin.post(`/admin/deliveries/${failed.id}/retry`, {}, '/admin/deliveries')).statusCode).toBe(409);
    // Queued as due at once (the app's clock is the real one here), it goes out with the next run.
    await world.run(new Date(Date.now() + 60_000).toISOString());
    expect(world.ledger().find((row) => row.id === failed.id)!.status).toBe('sent');
    expect(world.inbox('ada@example.com')).toHaveLength(1);

    expect((await admin.post(`/admin/suppressions/${bob.id}/lift`, {}, '/admin/deliveries')).statusCode).toBe(303);
    expect(world.db.prepare('SELECT status FROM subscribers WHERE id = ?').pluck().get(bob.id)).toBe('active');
    const after = (await admin.get('/admin/deliveries?done=lifted')).body;
    expect(after).not.toContain(`/admin/suppressions/${bob.id}/lift`);
    expect(after).toContain('The suppression is lifted');

    const audit = (await admin.get('/admin/audit')).body;
    expect(audit).toContain(`retry delivery</td><td>delivery ${failed.id}`);
    expect(audit).toContain(`lift suppression</td><td>subscriber ${bob.id}`);
  });

  it(`says when more than ${SEARCH_LIMIT} addresses match a search, rather than cut the list silently`, async () => {
    const world = await testApp({ env: { ADMIN_PASSWORD } });
    for (let i = 0; i <= SEARCH_LIMIT; i++) addSubscriber(world.db, { email: `reader${i}@lab.example`, topics: ['lora'] });
    const admin = await loginAdmin(world);
    const many = (await admin.get('/admin/subscribers?q=lab.example')).body;
    expect(many.match(/<a href="\/admin\/subscribers\/\d+">/g)).toHaveLength(SEARCH_LIMIT);
    expect(many).toContain(`More than ${SEARCH_LIMIT} addresses contain “lab.example”`);
    const few = (await admin.get('/admin/subscribers?q=reader10')).body;
    expect(few).not.toContain('More than');
  });

  it('will not retry a failed digest once a later one has offered its papers again, so none is sent twice', async () => {
    let refuse = true;
    const world = await digestWorld({
      env: { ADMIN_PASSWORD },
      onData: ({ envelopeTo }) => (refuse && envelopeTo.includes('ada@example.com') ? smtpError(451, '4.3.0 try again later') : null),
    });
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    world.addPapers([paper({ title: 'Zebrafish regrow fins' })], '2026-11-26T10:00:00Z');
    for (let attempt = 0; attempt < RETRY.maxAttempts; attempt++) {
      await world.run(new Date(Date.parse('2026-11-27T08:00:00Z') + attempt * 61 * 60_000).toISOString());
    }
    const [failed] = world.ledger();
    expect(failed).toMatchObject({ status: 'failed' });
    // The next day's digest goes out, with the paper the failed one held.
    refuse = false;
    expect(await world.run('2026-11-28T08:00:00Z')).toMatchObject({ sent: 1 });
    expect(world.inbox('ada@example.com').map((mail) => mail.parsed.text)).toEqual([expect.stringContaining('Zebrafish regrow fins')]);

    const admin = await loginAdmin(world);
    const page = (await admin.get('/admin/deliveries')).body;
    expect(page).not.toContain(`action="/admin/deliveries/${failed!.id}/retry"`);
    expect(page).toContain('A later digest took its papers');
    const retried = await admin.post(`/admin/deliveries/${failed!.id}/retry`, {}, '/admin/deliveries');
    expect(retried.statusCode).toBe(409);
    await world.run('2026-11-28T09:00:00Z');
    expect(world.inbox('ada@example.com')).toHaveLength(1);
    expect(world.ledger()[0]).toMatchObject({ status: 'failed' });
  });

  it('finds a subscriber, resends their confirmation through the service, and erases them', async () => {
    const { transport, sent } = recordingTransport();
    let now = new Date('2026-11-27T08:00:00Z');
    const world = await testApp({ env: { ADMIN_PASSWORD }, transport, clock: () => now });
    const posted = await world.app.inject({
      method: 'POST',
      url: '/subscribe',
      headers: FORM,
      payload: form({ email: 'ada@example.com', topics: '<script>alert(1)</script> lora', frequency: 'daily', timezone: 'UTC', send_hour: '8' }),
    });
    expect(posted.statusCode).toBe(200);
    await world.services.subscriptions.drain();
    expect(sent).toHaveLength(1);
    const id = world.db.prepare('SELECT id FROM subscribers').pluck().get() as number;

    const admin = await loginAdmin(world);
    const found = (await admin.get('/admin/subscribers?q=ADA%40')).body;
    expect(found).toContain(`<a href="/admin/subscribers/${id}">ada@example.com</a>`);
    expect((await admin.get('/admin/subscribers?q=%25')).body).toContain('No address contains');
    const detail = (await admin.get(`/admin/subscribers/${id}`)).body;
    expect(detail).toContain('&lt;script&gt;alert(1)&lt;/script&gt; lora');
    expect(detail).not.toContain('<script>alert');
    expect(detail).toContain('daily at 08:00 (UTC)');

    // Within two minutes of the last email it is queued for when they end: not sent at once, and not dropped.
    now = new Date('2026-11-27T08:01:00Z');
    const resent = await admin.post(`/admin/subscribers/${id}/resend`, {}, `/admin/subscribers/${id}`);
    expect(resent.statusCode).toBe(303);
    expect(resent.headers.location).toBe(`/admin/subscribers/${id}?done=resent`);
    expect((await admin.get(`/admin/subscribers/${id}?done=resent`)).body).toContain('The confirmation email is on its way');
    await world.services.subscriptions.drain();
    expect(sent).toHaveLength(1);
    now = new Date('2026-11-27T08:02:30Z');
    await world.services.subscriptions.drain();
    expect(sent.map((mail) => mail.subject)).toEqual(['Confirm your paperboy subscription', 'Confirm your paperboy subscription']);

    expect((await admin.post(`/admin/subscribers/${id}/erase`, {}, `/admin/subscribers/${id}`)).statusCode).toBe(303);
    expect(world.db.prepare('SELECT count(*) FROM subscribers').pluck().get()).toBe(0);
    expect((await admin.get(`/admin/subscribers/${id}`)).statusCode).toBe(404);
    const audit = (await admin.get('/admin/audit')).body;
    expect(audit).toContain('resend confirmation');
    expect(audit).toContain('erase subscriber');
    expect(audit).not.toContain('ada@example.com');
    // Kept only as a hash keyed with SECRET_KEY: whoever holds just the database cannot test an address against it.
    expect(audit).toContain(`hmac:${erasedAddressTag(world.services.secret.key, 'ada@example.com')}`);
    expect(audit).not.toContain(createHash('sha256').update('ada@example.com').digest('hex').slice(0, 16));
    // Nor is the address left in the database file's free space.
    world.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(fs.readFileSync(world.db.name).includes('ada@example.com')).toBe(false);
  });
});
