import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NOTICE_DAILY_LIMIT, NOTICE_INTERVAL_MS } from '../../src/subscriptions/subscription.service.js';
import { testApp } from '../helpers/app.js';
import { FORM, form, freePort } from '../helpers/http.js';
import { linkIn, startSmtpSink } from '../helpers/smtp-sink.js';

const closeAfter: Database.Database[] = [];
afterEach(() => {
  for (const db of closeAfter.splice(0)) db.close();
});

const refusal = () => Object.assign(new Error('451 4.3.0 try again later'), { responseCode: 451 });

/**
 * The app on a real port with a clock the test moves, mailing an in-process
 * SMTP server that answers 451 (try later) while `relay.down` is true.
 */
async function liveApp() {
  const relay = { down: true };
  const sink = await startSmtpSink({ onData: () => (relay.down ? refusal() : null) });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const clock = { now: new Date('2026-11-27T10:00:00Z') };
  const opened = await testApp({ seed: false, env: { SMTP_URL: sink.url, PUBLIC_URL: base }, clock: () => clock.now });
  await opened.app.listen({ port, host: '127.0.0.1' });
  const subscribe = async (fields: Record<string, string> = {}) => {
    const res = await fetch(`${base}/subscribe`, {
      method: 'POST',
      headers: FORM,
      body: form({ email: 'ada@example.com', topics: 'LoRA', frequency: 'daily', send_hour: '8', timezone: 'UTC', ...fields }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Check your inbox');
  };
  const advance = (ms: number) => (clock.now = new Date(clock.now.getTime() + ms));
  const drain = () => opened.services.subscriptions.drain();
  const notices = () => opened.db.prepare('SELECT kind, status, attempts FROM notices ORDER BY id').all();
  return { ...opened, sink, base, relay, subscribe, advance, drain, notices };
}

describe('emails the form causes are queued and retried until they go out', () => {
  it('sends the confirmation once the relay comes back, retrying with backoff', async () => {
    const { sink, relay, subscribe, advance, drain, notices, base, db, services } = await liveApp();
    await subscribe();
    await drain();
    expect(notices()).toEqual([{ kind: 'confirm', status: 'pending', attempts: 1 }]);

    // The retry waits its backoff: draining before it is due tries nothing.
    await drain();
    expect(notices()).toEqual([{ kind: 'confirm', status: 'pending', attempts: 1 }]);
    advance(30_000);
    await drain();
    expect(notices()).toEqual([{ kind: 'confirm', status: 'pending', attempts: 2 }]);
    expect(sink.seen).toHaveLength(2);

    relay.down = false;
    advance(60_000);
    await drain();
    expect(notices()).toEqual([{ kind: 'confirm', status: 'sent', attempts: 3 }]);
    const [mail] = await sink.waitFor(1);
    expect(mail!.parsed.subject).toBe('Confirm your paperboy subscription');
    expect(mail!.envelopeTo).toEqual(['ada@example.com']);
    // The link it carries is signed for this subscriber as they are now.
    const token = new URL(linkIn(mail!, `${base}/confirm?token=`)).searchParams.get('token')!;
    expect(services.subscriptions.fromToken('confirm', token)?.email).toBe('ada@example.com');
    // The confirmation link's lifetime and the anti-flood window count from the send.
    expect(db.prepare('SELECT confirm_sent_at, last_notice_at FROM subscribers').get()).toEqual({
      confirm_sent_at: '2026-11-27T10:01:30.000Z',
      last_notice_at: '2026-11-27T10:01:30.000Z',
    });
  });

  it('starts the anti-flood window when an email went out, not when the form was posted', async () => {
    const { sink, relay, subscribe, advance, drain } = await liveApp();
    await subscribe();
    await drain();
    relay.down = false;
    // The queued email goes out on its retry, three minutes after the form.
    advance(3 * 60_000);
    await drain();
    expect(sink.received).toHaveLength(1);

    // Past two minutes since the form, but 30 s since the email: nothing more.
    advance(30_000);
    await subscribe();
    await drain();
    expect(sink.received).toHaveLength(1);

    advance(NOTICE_INTERVAL_MS);
    await subscribe();
    await drain();
    expect(sink.received).toHaveLength(2);
  });

  it('sends the email of a quick second post when the two minutes end, so the link that works arrives', async () => {
    const { sink, relay, subscribe, advance, drain, base, services } = await liveApp();
    relay.down = false;
    await subscribe({ topics: 'LoRA' });
    await drain();
    const [first] = await sink.waitFor(1);
    // A typo fixed five seconds later: the first email's link no longer confirms anything.
    advance(5_000);
    await subscribe({ topics: 'LoRA\ndiffusion', send_hour: '9' });
    await drain();
    expect(sink.received).toHaveLength(1);
    const firstToken = new URL(linkIn(first!, `${base}/confirm?token=`)).searchParams.get('token')!;
    expect(services.subscriptions.checkConfirm(firstToken).kind).toBe('replaced');

    advance(NOTICE_INTERVAL_MS);
    await drain();
    const [, second] = await sink.waitFor(2);
    expect(second!.parsed.text).toContain('daily at 09:00 (UTC), on 2 topics');
    const token = new URL(linkIn(second!, `${base}/confirm?token=`)).searchParams.get('token')!;
    expect(services.subscriptions.checkConfirm(token).kind).toBe('ready');
  });

  it(`sends one address at most ${NOTICE_DAILY_LIMIT} emails a day, however often its address is posted`, async () => {
    const { sink, relay, subscribe, advance, drain, notices } = await liveApp();
    relay.down = false;
    for (let i = 0; i < NOTICE_DAILY_LIMIT + 2; i += 1) {
      await subscribe({ topics: `LoRA\ntopic ${i}` });
      await drain();
      advance(NOTICE_INTERVAL_MS + 1_000);
      await drain();
    }
    expect(sink.received).toHaveLength(NOTICE_DAILY_LIMIT);
    expect(notices()).toHaveLength(NOTICE_DAILY_LIMIT);
    // A day after the first, the next post is emailed again.
    advance(24 * 60 * 60_000);
    await subscribe({ topics: 'LoRA\nthe day after' });
    await drain();
    expect(sink.received).toHaveLength(NOTICE_DAILY_LIMIT + 1);
  });

  it('does not let a failed attempt block the visitor trying again, and queues one email however often they post', async () => {
    const { sink, relay, subscribe, advance, drain, notices } = await liveApp();
    // Each post while the email waits makes it due at once, but never adds a second one.
    await subscribe();
    await subscribe();
    await drain();
    await subscribe();
    await drain();
    expect(notices()).toEqual([{ kind: 'confirm', status: 'pending', attempts: expect.any(Number) }]);
    expect(sink.received).toHaveLength(0);

    // Ten seconds on, the relay is back and the visitor posts again: the queued email goes out now, not after its backoff.
    relay.down = false;
    advance(10_000);
    await subscribe();
    await drain();
    expect(sink.received).toHaveLength(1);
    expect(notices()).toEqual([{ kind: 'confirm', status: 'sent', attempts: expect.any(Number) }]);
  });

  it('keeps a confirmation waiting, with no attempt used, while the relay refuses our sender', async () => {
    const relay = { refusing: true };
    const sink = await startSmtpSink({ onMailFrom: () => (relay.refusing ? Object.assign(new Error('5.7.1 sender not allowed'), { responseCode: 553 }) : null) });
    const clock = { now: new Date('2026-11-27T10:00:00Z') };
    const { app, services, db } = await testApp({ seed: false, env: { SMTP_URL: sink.url }, clock: () => clock.now });
    const res = await app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email: 'ada@example.com', topics: 'LoRA', timezone: 'UTC' }) });
    expect(res.statusCode).toBe(200);
    await services.subscriptions.drain();
    await services.subscriptions.drain();
    expect(db.prepare('SELECT status, attempts FROM notices').all()).toEqual([{ status: 'pending', attempts: 0 }]);

    relay.refusing = false;
    clock.now = new Date('2026-11-27T10:01:00Z');
    await services.subscriptions.drain();
    expect(sink.received.map((mail) => mail.parsed.subject)).toEqual(['Confirm your paperboy subscription']);
  });

  it('writes the email when it is sent, from what the subscriber asked for last', async () => {
    const { sink, relay, subscribe, advance, drain } = await liveApp();
    await subscribe({ topics: 'diffusion', send_hour: '9' });
    await drain();
    await subscribe({ topics: 'mixture of experts\nLoRA', send_hour: '10' });
    relay.down = false;
    advance(30_000);
    await drain();
    const [mail] = await sink.waitFor(1);
    expect(mail!.parsed.text).toContain('daily at 10:00 (UTC), on 2 topics');
    expect(mail!.parsed.text).not.toContain('09:00');
  });

  it("claims and records its emails in the commits the form's writes share", async () => {
    const { relay, subscribe, drain, services, db, sink } = await liveApp();
    relay.down = false;
    const outside = new Database(db.name, { readonly: true });
    closeAfter.push(outside);
    const inside = db.prepare<[], string>('SELECT status FROM notices ORDER BY id').pluck();
    const fromOutside = outside.prepare<[], string>('SELECT status FROM notices ORDER BY id').pluck();
    // Right behind each write handed to the group commit, a probe in the same commit: it sees that
    // write, which another connection cannot see until the two commit together.
    const seen: Array<{ inside: string[]; outside: string[] }> = [];
    const writes = services.writes;
    const run = writes.run.bind(writes);
    vi.spyOn(writes, 'run').mockImplementation(<T>(work: () => T) => {
      const result = run(work);
      void run(() => seen.push({ inside: inside.all(), outside: fromOutside.all() }));
      return result;
    });

    await subscribe();
    await drain();
    expect((await sink.waitFor(1))[0]!.envelopeTo).toEqual(['ada@example.com']);
    expect(seen.slice(0, 3)).toEqual([
      // The form's own write: the subscriber and their queued email.
      { inside: ['pending'], outside: [] },
      // The sender's claim, and then what the relay said, each in a shared commit.
      { inside: ['sending'], outside: ['pending'] },
      { inside: ['sent'], outside: ['sending'] },
    ]);
    // Then only passes that found nothing more to claim.
    expect(seen.slice(3)).not.toHaveLength(0);
    for (const probe of seen.slice(3)) expect(probe).toEqual({ inside: ['sent'], outside: ['sent'] });
  });

  it('sends nothing stale: a confirmation queued before the address was confirmed or erased is dropped', async () => {
    const { sink, relay, subscribe, advance, drain, notices, services, db } = await liveApp();
    await subscribe();
    await subscribe({ email: 'grace@example.com' });
    await drain();
    expect(notices()).toHaveLength(2);

    // Ada confirms through another route (an earlier email); Grace erases her data.
    const ada = services.subscribers.findByEmail('ada@example.com')!;
    services.subscribers.transition(ada.id, ['pending'], 'active', new Date().toISOString());
    services.subscriptions.erase(services.subscribers.findByEmail('grace@example.com')!);
    expect(db.prepare('SELECT count(*) AS n FROM notices WHERE subscriber_id <> ?').get(ada.id)).toEqual({ n: 0 });

    relay.down = false;
    advance(60_000);
    await drain();
    expect(notices()).toEqual([{ kind: 'confirm', status: 'skipped', attempts: 2 }]);
    expect(sink.seen).toHaveLength(2);
    expect(sink.received).toHaveLength(0);
  });

  it('gives up at once on a permanent refusal, and the visitor may ask again', async () => {
    const sink = await startSmtpSink({ onRcpt: () => Object.assign(new Error('550 5.1.1 no such user'), { responseCode: 550 }) });
    const { app, services, db } = await testApp({ seed: false, env: { SMTP_URL: sink.url } });
    const post = () =>
      app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form({ email: 'typo@example.com', topics: 'LoRA' }) });
    expect((await post()).statusCode).toBe(200);
    await services.subscriptions.drain();
    expect(db.prepare('SELECT status, attempts, last_error FROM notices').get()).toMatchObject({ status: 'bounced', attempts: 1, last_error: expect.stringMatching(/550/) });
    // The address is suppressed, as after a digest's hard bounce.
    expect(services.subscribers.findByEmail('typo@example.com')!.status).toBe('bounced');
    expect((await post()).statusCode).toBe(200);
    await services.subscriptions.drain();
    expect(db.prepare('SELECT status FROM notices ORDER BY id').all()).toEqual([{ status: 'bounced' }, { status: 'bounced' }]);
    expect(services.subscribers.findByEmail('typo@example.com')!.status).toBe('bounced');
  });

  it('takes back an email another server claimed and held past its lease, and leaves a live claim alone', async () => {
    const { sink, relay, drain, services, db } = await liveApp();
    relay.down = false;
    const now = '2026-11-27T10:00:00.000Z';
    const prefs = { topics: [{ text: 'LoRA', key: 'lora' }], frequency: 'daily' as const, weekday: null, sendHour: 8, timezone: 'UTC' };
    const stuck = services.subscribers.insertPending('stuck@example.com', prefs, now);
    const live = services.subscribers.insertPending('live@example.com', prefs, now);
    const claim = db.prepare(`
      INSERT INTO notices (subscriber_id, kind, status, attempts, claimed_by, claimed_at, created_at, updated_at)
      VALUES (?, 'confirm', 'sending', 1, ?, ?, ?, ?)`);
    // Two senders on another machine, whose processes this one cannot see: one silent for 31 minutes, one busy for 1.
    claim.run(stuck.id, 'another-host/4242', '2026-11-27T09:29:00.000Z', now, now);
    claim.run(live.id, 'another-host/5151', '2026-11-27T09:59:00.000Z', now, now);

    await drain();
    const [mail] = await sink.waitFor(1);
    expect(mail!.envelopeTo).toEqual(['stuck@example.com']);
    expect(db.prepare('SELECT subscriber_id AS id, status FROM notices ORDER BY id').all()).toEqual([
      { id: stuck.id, status: 'sent' },
      { id: live.id, status: 'sending' },
    ]);
  });
});
