import { describe, expect, it } from 'vitest';
import { INVALID_LINK } from '../../src/web/token-query.js';
import { testApp } from '../helpers/app.js';
import { FORM, cookiesFrom, form, freePort, hiddenField, unescapeHtml } from '../helpers/http.js';
import { linkIn, startSmtpSink } from '../helpers/smtp-sink.js';

/** The app on a real port over a real SQLite file, mailing a real in-process SMTP server, with time in the test's hands. */
async function liveApp() {
  const sink = await startSmtpSink();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const clock = { now: new Date('2026-11-27T10:00:00Z') };
  const opened = await testApp({ env: { SMTP_URL: sink.url, PUBLIC_URL: base }, clock: () => clock.now });
  await opened.app.listen({ port, host: '127.0.0.1' });
  const { db } = opened;
  const subscriber = (email: string) => db.prepare('SELECT id, status FROM subscribers WHERE email = ?').get(email) as { id: number; status: string } | undefined;
  const topics = (email: string) =>
    (db.prepare('SELECT t.text FROM subscriber_topics t JOIN subscribers s ON s.id = t.subscriber_id WHERE s.email = ? ORDER BY position').all(email) as Array<{ text: string }>).map((t) => t.text);
  const snapshot = () => JSON.stringify([db.prepare('SELECT * FROM subscribers').all(), db.prepare('SELECT * FROM subscriber_topics').all()]);
  // Past the two-minute guard against flooding an inbox, so the next email the test causes goes out.
  const later = () => (clock.now = new Date(clock.now.getTime() + 3 * 60_000));
  const subscribe = (email: string, topicLines: string) =>
    fetch(`${base}/subscribe`, { method: 'POST', headers: FORM, body: form({ email, topics: topicLines, frequency: 'daily', send_hour: '8', timezone: 'UTC' }) });
  const post = (url: string, fields: Record<string, string> = {}, cookie = '') =>
    fetch(url.startsWith('/') ? `${base}${url}` : url, { method: 'POST', headers: { ...FORM, cookie }, body: form(fields), redirect: 'manual' });
  /** The action of the form whose path starts with `path`, as an absolute URL. */
  const action = (html: string, path: string) => {
    const found = new RegExp(`action="(${path.replace(/[/?]/g, '\\$&')}[^"]*)"`).exec(html);
    if (!found) throw new Error(`no form posting to ${path} in:\n${html}`);
    return `${base}${unescapeHtml(found[1]!)}`;
  };
  return { ...opened, sink, base, subscriber, topics, snapshot, later, subscribe, post, action };
}

type Live = Awaited<ReturnType<typeof liveApp>>;

/** Subscribes and confirms through the emails and pages, as a person would; returns the confirm link. */
async function subscribeAndConfirm(live: Live, email: string, topicLines: string): Promise<string> {
  const before = live.sink.received.length;
  await live.subscribe(email, topicLines);
  const mail = (await live.sink.waitFor(before + 1))[before]!;
  const confirmUrl = linkIn(mail, `${live.base}/confirm?token=`);
  const page = await (await fetch(confirmUrl)).text();
  expect((await live.post(live.action(page, '/confirm?token'))).status).toBe(200);
  expect(live.subscriber(email)?.status).toBe('active');
  return confirmUrl;
}

/** Asks for a manage link from a page that offers the button, and reads it out of the email that arrives. */
async function manageLinkFrom(live: Live, page: string): Promise<string> {
  const before = live.sink.received.length;
  live.later();
  const answer = await live.post(live.action(page, '/manage-link?token'));
  expect(answer.status).toBe(200);
  expect(await answer.text()).toContain('Check your inbox');
  const mail = (await live.sink.waitFor(before + 1))[before]!;
  expect(mail.parsed.subject).toBe('Your link to manage paperboy');
  return linkIn(mail, `${live.base}/preferences?token=`);
}

const tokenHrefs = (html: string) => [...html.matchAll(/href="([^"]*token[^"]*)"/g)].map((m) => unescapeHtml(m[1]!));

describe('a link belongs to one subscription forever', () => {
  it('refuses every link of an erased subscriber on the next subscriber, who never gets their id', async () => {
    const live = await liveApp();
    const { base, services, db } = live;
    const confirmA = await subscribeAndConfirm(live, 'ada@example.com', 'LoRA');
    const confirmedPage = await (await live.post(confirmA)).text();
    const manageA = await manageLinkFrom(live, confirmedPage);
    const prefs = await fetch(manageA);
    const prefsHtml = await prefs.text();
    const unsubscribeA = unescapeHtml(/href="([^"]*\/unsubscribe\?token[^"]*)"/.exec(prefsHtml)![1]!);
    const ada = services.subscribers.findByEmail('ada@example.com')!;
    const viewA = services.links.token('view', ada);

    // "Delete my data", both steps.
    const cookie = cookiesFrom(prefs.headers.getSetCookie());
    const asked = await (await live.post(action(prefsHtml), { _csrf: hiddenField(prefsHtml, '_csrf') }, cookie)).text();
    const erased = await live.post(action(prefsHtml), { _csrf: hiddenField(asked, '_csrf'), confirm: 'delete' }, cookie);
    expect(await erased.text()).toContain('Your data is deleted');
    expect(live.subscriber('ada@example.com')).toBeUndefined();

    live.later();
    await live.subscribe('bob@example.com', 'diffusion');
    await live.sink.waitFor(3);
    const bob = live.subscriber('bob@example.com')!;
    expect(bob.id).toBeGreaterThan(ada.id);
    // Bob has a digest, so a view link that still worked would show it.
    db.prepare(`INSERT INTO deliveries (subscriber_id, digest_key, status, message_id, content, shown, matched, watermark, planned_at, updated_at)
      VALUES (?, '2026-11-27', 'sent', '<x@paperboy.test>', '{"topics":["diffusion"],"papers":[[1,0]]}', 1, 1, 1, '2026-11-27T08:00:00Z', '2026-11-27T08:00:00Z')`).run(bob.id);
    const digestId = (db.prepare('SELECT id FROM deliveries WHERE subscriber_id = ?').get(bob.id) as { id: number }).id;
    const bobView = services.links.token('view', services.subscribers.findById(bob.id)!);
    expect((await fetch(`${base}/digests/${digestId}?token=${bobView}`)).status).toBe(200);

    const before = live.snapshot();
    const viewUrl = (token: string) => `${base}/digests/${digestId}?token=${token}`;
    // Ada's links, pointed at Bob's id as a reused id would make them.
    const atBob = (url: string) => url.replace(/token=\d+\./, `token=${bob.id}.`);
    for (const url of [confirmA, manageA, unsubscribeA, viewUrl(viewA), atBob(confirmA), atBob(manageA), atBob(unsubscribeA), viewUrl(viewA.replace(/^\d+\./, `${bob.id}.`))]) {
      const shown = await fetch(url);
      expect(shown.status, url).toBe(400);
      const body = await shown.text();
      expect(body).toContain(INVALID_LINK);
      expect(body).not.toContain('bob@example.com');
    }
    for (const url of [confirmA, unsubscribeA, atBob(confirmA), atBob(unsubscribeA)]) {
      expect((await live.post(url, { 'List-Unsubscribe': 'One-Click' })).status, url).toBe(400);
    }
    expect(live.snapshot()).toBe(before);
    expect(live.subscriber('bob@example.com')?.status).toBe('pending');
  });

  it('never hands an erased id to a new subscriber, even after a VACUUM', async () => {
    const { services, db } = await testApp({ seed: false });
    const prefs = { topics: [{ text: 'LoRA', key: 'lora' }], frequency: 'daily' as const, weekday: null, sendHour: 8, timezone: 'UTC' };
    const first = services.subscribers.insertPending('ada@example.com', prefs, '2026-11-27T10:00:00Z');
    services.subscribers.erase(first.id);
    const second = services.subscribers.insertPending('bob@example.com', prefs, '2026-11-27T10:00:00Z');
    expect(second.id).toBe(first.id + 1);
    expect(second.tokenSecret).toMatch(/^[0-9a-f]{32}$/);
    expect(second.tokenSecret).not.toBe(first.tokenSecret);
    services.subscribers.erase(second.id);
    db.exec('VACUUM');
    expect(services.subscribers.insertPending('cy@example.com', prefs, '2026-11-27T10:00:00Z').id).toBe(second.id + 1);
  });
});

/** Opens the link's page, then sends its one form. */
function action(html: string): string {
  const found = /action="(\/preferences\/delete\?token[^"]*)"/.exec(html);
  if (!found) throw new Error('no delete form in the page');
  return unescapeHtml(found[1]!);
}

describe("a confirmation link confirms what its page shows", () => {
  it('stops the first link when someone posts other topics for a waiting address, says so, and sends the victim a fresh one', async () => {
    const live = await liveApp();
    await live.subscribe('victim@example.com', 'LoRA');
    const [first] = await live.sink.waitFor(1);
    const firstLink = linkIn(first!, `${live.base}/confirm?token=`);

    // Moments later, within the anti-flood window: the form is posted again with other topics, and no email goes out.
    await live.subscribe('victim@example.com', 'buy cheap watches');
    expect(live.topics('victim@example.com')).toEqual(['buy cheap watches']);

    const shown = await fetch(firstLink);
    expect(shown.status).toBe(409);
    const page = await shown.text();
    expect(page).toContain('This link was replaced by a newer email');
    expect(page).not.toContain('buy cheap watches');
    const pressed = await live.post(firstLink);
    expect(pressed.status).toBe(409);
    expect(live.subscriber('victim@example.com')?.status).toBe('pending');

    // The page's own button sends the newest link, whose page shows what it confirms.
    live.later();
    expect((await live.post(live.action(page, '/confirm/resend?token'))).status).toBe(200);
    const [, second] = await live.sink.waitFor(2);
    const secondLink = linkIn(second!, `${live.base}/confirm?token=`);
    expect(await (await fetch(secondLink)).text()).toContain('buy cheap watches');
    expect(secondLink).not.toBe(firstLink);
    expect((await live.post(firstLink)).status).toBe(409);
    expect(live.subscriber('victim@example.com')?.status).toBe('pending');
    expect((await live.post(secondLink)).status).toBe(200);
    expect(live.subscriber('victim@example.com')?.status).toBe('active');
  });

  it('keeps the link working when the same settings are posted again', async () => {
    const live = await liveApp();
    await live.subscribe('ada@example.com', 'LoRA');
    const [first] = await live.sink.waitFor(1);
    await live.subscribe('ada@example.com', 'LoRA');
    expect((await live.post(linkIn(first!, `${live.base}/confirm?token=`))).status).toBe(200);
    expect(live.subscriber('ada@example.com')?.status).toBe('active');
  });
});

describe("a stranger's words never reach someone else's inbox", () => {
  // Anyone can post the form for any address; an email that repeated the topics would carry their text and links.
  const SPAM = ['CLAIM YOUR PRIZE http://evil.example/win', 'call now for cheap pills'];

  it('names no topic in the confirmation or manage-link email of an unconfirmed subscription; the confirm page lists them', async () => {
    const live = await liveApp();
    expect((await live.subscribe('victim@example.com', SPAM.join('\n'))).status).toBe(200);
    const [confirm] = await live.sink.waitFor(1);
    for (const part of [confirm!.parsed.text!, confirm!.parsed.html as string]) {
      expect(part).toContain('on 2 topics');
      expect(part).not.toMatch(/evil\.example|PRIZE|pills/i);
    }
    const page = await (await fetch(linkIn(confirm!, `${live.base}/confirm?token=`))).text();
    expect(page).toContain('CLAIM YOUR PRIZE http://evil.example/win');
    expect(page).toContain('call now for cheap pills');

    // The lost-link form takes any address: its email shows the schedule only, while nobody has confirmed the topics.
    live.later();
    expect((await live.post('/manage-link', { email: 'victim@example.com' })).status).toBe(200);
    const [, manage] = await live.sink.waitFor(2);
    expect(manage!.parsed.subject).toBe('Your link to manage paperboy');
    expect(manage!.parsed.text).toContain('It is set to daily at 08:00 (UTC).');
    for (const part of [manage!.parsed.text!, manage!.parsed.html as string]) expect(part).not.toMatch(/evil\.example|PRIZE|pills/i);

    // Once the owner has confirmed, the topics are theirs, and the same email lists them.
    expect((await live.post(linkIn(confirm!, `${live.base}/confirm?token=`))).status).toBe(200);
    live.later();
    expect((await live.post('/manage-link', { email: 'victim@example.com' })).status).toBe(200);
    const [, , confirmed] = await live.sink.waitFor(3);
    expect(confirmed!.parsed.text).toContain('  - call now for cheap pills');
  });
});

describe('confirmation never happens on a GET', () => {
  it('shows one button on GET and changes nothing; the POST confirms', async () => {
    const live = await liveApp();
    await live.subscribe('ada@example.com', 'LoRA');
    const [mail] = await live.sink.waitFor(1);
    const link = linkIn(mail!, `${live.base}/confirm?token=`);
    // The queue records the email as sent after the relay took it.
    await live.services.subscriptions.drain();
    const before = live.snapshot();
    for (const method of ['GET', 'GET', 'HEAD']) expect((await fetch(link, { method })).status).toBe(200);
    const page = await (await fetch(link)).text();
    expect(live.snapshot()).toBe(before);
    expect(page).toContain('Confirm my subscription');
    expect(page.match(/<form /g)).toHaveLength(1);
    expect(live.action(page, '/confirm?token')).toBe(link);

    const confirmed = await live.post(link);
    expect(confirmed.status).toBe(200);
    const result = await confirmed.text();
    expect(result).toContain('You are subscribed');
    expect(live.subscriber('ada@example.com')?.status).toBe('active');
    // The result grants no more than the confirm link did.
    expect(tokenHrefs(result)).toEqual([]);
    expect(result).not.toMatch(/action="\/(preferences|unsubscribe|resubscribe)/);
    const manage = await manageLinkFrom(live, result);
    expect((await fetch(manage)).status).toBe(200);
  });
});

describe('each link opens only its own power', () => {
  it('keeps the unsubscribe link of an earlier email working after the reader subscribes again through the form', async () => {
    const live = await liveApp();
    await subscribeAndConfirm(live, 'ada@example.com', 'LoRA');
    const before = live.services.subscribers.findByEmail('ada@example.com')!;
    const oldUnsubscribe = live.services.links.url('unsubscribe', before);
    const oldManage = live.services.links.url('manage', before);
    expect((await live.post(oldUnsubscribe, { 'List-Unsubscribe': 'One-Click' })).status).toBe(200);
    live.later();
    await subscribeAndConfirm(live, 'ada@example.com', 'LoRA');
    expect(live.services.subscribers.findByEmail('ada@example.com')!.tokenVersion).toBeGreaterThan(before.tokenVersion);

    // The mail client's button on the old email still works, at once, with a 200.
    const oneClick = await live.post(oldUnsubscribe, { 'List-Unsubscribe': 'One-Click' });
    expect(oneClick.status).toBe(200);
    expect(live.subscriber('ada@example.com')?.status).toBe('unsubscribed');
    // The other links of that email stay revoked.
    expect((await fetch(oldManage)).status).toBe(400);
  });

  it('lets an unsubscribe link of an earlier email stop mail, but never turn it back on', async () => {
    const live = await liveApp();
    await subscribeAndConfirm(live, 'ada@example.com', 'LoRA');
    const before = live.services.subscribers.findByEmail('ada@example.com')!;
    const oldUnsubscribe = live.services.links.url('unsubscribe', before);
    expect((await live.post(oldUnsubscribe)).status).toBe(200);
    // Someone posts the form for the address with topics of their own: a new opt-in, which nobody confirms.
    live.later();
    expect((await live.subscribe('ada@example.com', 'buy cheap watches')).status).toBe(200);
    expect(live.subscriber('ada@example.com')?.status).toBe('pending');

    // The old link still stops it, but its page offers no Resubscribe, and the button's address refuses.
    const stopped = await live.post(oldUnsubscribe);
    expect(stopped.status).toBe(200);
    expect(await stopped.text()).not.toContain('/resubscribe');
    const resubscribe = await live.post(`/resubscribe?token=${new URL(oldUnsubscribe).searchParams.get('token')}`);
    expect(resubscribe.status).toBe(400);
    expect(live.subscriber('ada@example.com')?.status).toBe('unsubscribed');

    // Nor does a manage-link email show the topics nobody confirmed, now that the subscription has ended.
    live.later();
    const sent = live.sink.received.length;
    expect((await live.post('/manage-link', { email: 'ada@example.com' })).status).toBe(200);
    const [manage] = (await live.sink.waitFor(sent + 1)).slice(sent);
    expect(manage!.parsed.subject).toBe('Your link to manage paperboy');
    expect(manage!.parsed.text).not.toContain('watches');
  });

  it('shows no manage link on the unsubscribe pages, and emails one on request', async () => {
    const live = await liveApp();
    await subscribeAndConfirm(live, 'ada@example.com', 'LoRA');
    const ada = live.services.subscribers.findByEmail('ada@example.com')!;
    const unsubscribe = live.services.links.url('unsubscribe', ada);
    const manageToken = live.services.links.token('manage', ada);

    // The only link with a token carries the page's own, to the page that offers to email a manage link.
    const offerLink = `/manage-link?token=${live.services.links.token('unsubscribe', ada)}`;
    const page = await (await fetch(unsubscribe)).text();
    expect(page).not.toContain(manageToken);
    expect(tokenHrefs(page)).toEqual([offerLink]);
    const left = await (await live.post(unsubscribe, { 'List-Unsubscribe': 'One-Click' })).text();
    expect(left).toContain('You are unsubscribed');
    expect(left).not.toContain(manageToken);
    expect(tokenHrefs(left)).toEqual([offerLink]);
    // Resubscribing works from the unsubscribe link alone, and its answer links no higher.
    const back = await (await live.post(live.action(left, '/resubscribe?token'))).text();
    expect(back).toContain('Welcome back');
    expect(back).not.toContain(manageToken);
    expect(tokenHrefs(back)).toEqual([]);

    const offer = await (await fetch(`${live.base}${offerLink}`)).text();
    expect(offer).not.toContain(manageToken);
    expect(tokenHrefs(offer)).toEqual([]);
    const emailed = await manageLinkFrom(live, offer);
    expect(emailed).toBe(live.services.links.url('manage', ada));
  });

  it('answers the manage-link button the same for any token, and emails only a genuine one', async () => {
    const live = await liveApp();
    await subscribeAndConfirm(live, 'ada@example.com', 'LoRA');
    const ada = live.services.subscribers.findByEmail('ada@example.com')!;
    live.later();
    const bogus = await live.post(`/manage-link?token=${ada.id}.1.${'A'.repeat(43)}`);
    const view = await live.post(`/manage-link?token=${live.services.links.token('view', ada)}`);
    const genuine = await live.post(`/manage-link?token=${live.services.links.token('unsubscribe', ada)}`);
    const bodies = await Promise.all([bogus, view, genuine].map((res) => res.text()));
    expect([bogus.status, view.status, genuine.status]).toEqual([200, 200, 200]);
    expect(new Set(bodies).size).toBe(1);
    await live.sink.waitFor(2);
    await live.services.subscriptions.drain();
    expect(live.sink.received.map((mail) => mail.parsed.subject)).toEqual(['Confirm your paperboy subscription', 'Your link to manage paperboy']);
  });

  it('rate limits the manage-link button like the other form posts', async () => {
    const { app } = await testApp({ seed: false, env: { SUBSCRIBE_RATE_LIMIT: '2' } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await app.inject({ method: 'POST', url: `/manage-link?token=1.1.${'A'.repeat(43)}` })).statusCode);
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('Cache-Control: no-store on every page a token opens', () => {
  it('covers each token route, for good and bad tokens alike', async () => {
    const live = await liveApp();
    await live.subscribe('ada@example.com', 'LoRA');
    await live.sink.waitFor(1);
    const ada = live.services.subscribers.findByEmail('ada@example.com')!;
    const { links } = live.services;
    const requests: Array<[string, string]> = [
      ['GET', links.url('confirm', ada)],
      ['GET', links.url('manage', ada)],
      ['GET', links.url('unsubscribe', ada)],
      ['GET', `${live.base}/digests/1?token=${links.token('view', ada)}`],
      ['GET', `${live.base}/confirm?token=bad`],
      ['GET', `${live.base}/preferences?token=bad`],
      ['POST', `${live.base}/confirm/resend?token=${links.token('confirm', ada)}`],
      ['POST', `${live.base}/manage-link?token=${links.token('confirm', ada)}`],
      ['POST', links.url('confirm', ada)],
      ['POST', links.url('unsubscribe', ada)],
      ['POST', `${live.base}/resubscribe?token=${links.token('unsubscribe', ada)}`],
    ];
    for (const [method, url] of requests) {
      const res = await fetch(url, { method, headers: FORM, body: method === 'POST' ? '' : undefined });
      expect(res.headers.get('cache-control'), `${method} ${url} -> ${res.status}`).toMatch(/(^|[ ,])no-store($|,)/);
    }
    expect((await fetch(`${live.base}/`)).headers.get('cache-control') ?? '').not.toContain('no-store');
  });
});
