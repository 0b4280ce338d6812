import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { subscribeSchema } from '../../src/subscriptions/subscription.schema.js';
import { testApp } from '../helpers/app.js';
import { FORM, cookiesFrom, form, freePort, hiddenField, unescapeHtml } from '../helpers/http.js';
import { linkIn, startSmtpSink } from '../helpers/smtp-sink.js';

interface Row {
  status: string;
  frequency: string;
  weekday: number | null;
  send_hour: number;
  timezone: string;
}

/** The app listening on a real port, mailing a real in-process SMTP server. */
async function liveApp() {
  const sink = await startSmtpSink();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const clock = { now: new Date('2026-11-27T10:00:00Z') };
  const opened = await testApp({
    env: { SMTP_URL: sink.url, PUBLIC_URL: base, MAIL_FROM: 'Paperboy <digest@paperboy.test>' },
    clock: () => clock.now,
  });
  await opened.app.listen({ port, host: '127.0.0.1' });
  const row = (email: string) => opened.db.prepare('SELECT status, frequency, weekday, send_hour, timezone FROM subscribers WHERE email = ?').get(email) as Row | undefined;
  const topics = (email: string) =>
    (opened.db.prepare('SELECT t.text FROM subscriber_topics t JOIN subscribers s ON s.id = t.subscriber_id WHERE s.email = ? ORDER BY position').all(email) as Array<{ text: string }>).map((t) => t.text);
  const advance = (minutes: number) => (clock.now = new Date(clock.now.getTime() + minutes * 60_000));
  return { ...opened, sink, base, row, topics, advance };
}

const subscribeForm = {
  email: 'ada@example.com',
  topics: 'LoRA\ntest-time adaptation',
  frequency: 'weekly',
  weekday: '2',
  send_hour: '7',
  timezone: 'Europe/Paris',
  website: '',
};

describe('subscribe, confirm, manage and unsubscribe over real HTTP and SMTP', () => {
  it('takes a visitor from the form to an active subscription and back out', async () => {
    const { base, sink, row, topics, advance } = await liveApp();

    const subscribed = await fetch(`${base}/subscribe`, { method: 'POST', headers: FORM, body: form(subscribeForm) });
    expect(subscribed.status).toBe(200);
    expect(await subscribed.text()).toContain('Check your inbox');
    expect(row('ada@example.com')).toEqual({ status: 'pending', frequency: 'weekly', weekday: 2, send_hour: 7, timezone: 'Europe/Paris' });
    expect(topics('ada@example.com')).toEqual(['LoRA', 'test-time adaptation']);

    const [confirmation] = await sink.waitFor(1);
    expect(confirmation!.envelopeTo).toEqual(['ada@example.com']);
    const mail = confirmation!.parsed;
    expect(mail.subject).toBe('Confirm your paperboy subscription');
    expect(mail.from?.value).toEqual([{ name: 'Paperboy', address: 'digest@paperboy.test' }]);
    expect(mail.messageId).toMatch(/^<[^<>@\s]+@paperboy\.test>$/);
    expect(mail.date).toBeInstanceOf(Date);
    expect(mail.text).toContain('every Tuesday at 07:00 (Europe/Paris)');
    expect(mail.html).toContain('Confirm my subscription');

    // The link is read out of the email and followed as a mail client would.
    const confirmUrl = linkIn(confirmation!, `${base}/confirm?token=`);
    const hrefs = [...String(mail.html).matchAll(/href="([^"]*)"/g)].map((m) => unescapeHtml(m[1]!));
    expect(hrefs).toContain(confirmUrl);
    // Opening the link (as a mail scanner does) only shows what it confirms and one button.
    const shownConfirm = await fetch(confirmUrl, { redirect: 'manual' });
    expect(shownConfirm.status).toBe(200);
    expect(await shownConfirm.text()).toContain('Confirm my subscription');
    expect(row('ada@example.com')?.status).toBe('pending');
    const confirmed = await fetch(confirmUrl, { method: 'POST', headers: FORM, body: '', redirect: 'manual' });
    expect(confirmed.status).toBe(200);
    const confirmedPage = await confirmed.text();
    expect(confirmedPage).toContain('You are subscribed');
    expect(row('ada@example.com')?.status).toBe('active');

    // A second press is harmless.
    const again = await fetch(confirmUrl, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('You are already subscribed');
    expect(row('ada@example.com')?.status).toBe('active');

    // The confirmed page grants no more than the confirm link: it offers to email a manage link.
    expect(confirmedPage).not.toMatch(/href="[^"]*\/(preferences|unsubscribe)\?token/);
    advance(3);
    const asked = await fetch(`${base}${unescapeHtml(/action="(\/manage-link\?token[^"]+)"/.exec(confirmedPage)![1]!)}`, { method: 'POST' });
    expect(asked.status).toBe(200);
    const [, manageMail] = await sink.waitFor(2);
    expect(manageMail!.parsed.subject).toBe('Your link to manage paperboy');
    const manageUrl = linkIn(manageMail!, `${base}/preferences?token=`);
    const prefsPage = await fetch(manageUrl);
    expect(prefsPage.status).toBe(200);
    const prefsHtml = await prefsPage.text();
    expect(prefsHtml).toContain('LoRA\ntest-time adaptation</textarea>');
    const cookie = cookiesFrom(prefsPage.headers.getSetCookie());
    const saved = await fetch(manageUrl, {
      method: 'POST',
      headers: { ...FORM, cookie },
      body: form({ _csrf: hiddenField(prefsHtml, '_csrf'), topics: 'mixture of experts', frequency: 'daily', weekday: '1', send_hour: '6', timezone: 'Asia/Tokyo' }),
    });
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain('Saved.');
    expect(topics('ada@example.com')).toEqual(['mixture of experts']);
    expect(row('ada@example.com')).toEqual({ status: 'active', frequency: 'daily', weekday: null, send_hour: 6, timezone: 'Asia/Tokyo' });

    // The unsubscribe link shows a page and changes nothing until the button is pressed.
    const unsubscribeUrl = unescapeHtml(/href="([^"]*\/unsubscribe\?token[^"]*)"/.exec(prefsHtml)![1]!);
    const shown = await fetch(unsubscribeUrl);
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain('<button type="submit" class="primary">Unsubscribe</button>');
    expect(row('ada@example.com')?.status).toBe('active');
    const left = await fetch(unsubscribeUrl, { method: 'POST', redirect: 'manual' });
    expect(left.status).toBe(200);
    const leftPage = await left.text();
    expect(leftPage).toContain('You are unsubscribed');
    expect(row('ada@example.com')?.status).toBe('unsubscribed');

    // The page offers to resubscribe, with the same topics.
    const resubscribeAction = unescapeHtml(/action="(\/resubscribe\?token[^"]+)"/.exec(leftPage)![1]!);
    const back = await fetch(`${base}${resubscribeAction}`, { method: 'POST' });
    expect(back.status).toBe(200);
    expect(await back.text()).toContain('Welcome back');
    expect(row('ada@example.com')?.status).toBe('active');
    expect(topics('ada@example.com')).toEqual(['mixture of experts']);
    expect(sink.received).toHaveLength(2);
  });

  it('emails an active subscriber an "already subscribed" note and changes nothing', async () => {
    const { base, sink, row, topics, advance, services } = await liveApp();
    await fetch(`${base}/subscribe`, { method: 'POST', headers: FORM, body: form(subscribeForm) });
    const [confirmation] = await sink.waitFor(1);
    await fetch(linkIn(confirmation!, `${base}/confirm?token=`), { method: 'POST' });
    await services.subscriptions.drain();
    advance(3);

    const repeat = await fetch(`${base}/subscribe`, {
      method: 'POST',
      headers: FORM,
      body: form({ ...subscribeForm, email: 'ADA@EXAMPLE.COM', topics: 'something else entirely' }),
    });
    expect(repeat.status).toBe(200);
    const [, note] = await sink.waitFor(2);
    expect(note!.parsed.subject).toBe('You are already subscribed to paperboy');
    expect(note!.envelopeTo).toEqual(['ada@example.com']);
    expect(linkIn(note!, `${base}/preferences?token=`)).toBeTruthy();
    expect(linkIn(note!, `${base}/unsubscribe?token=`)).toBeTruthy();
    // Nobody can change someone else's subscription by typing their address.
    expect(topics('ada@example.com')).toEqual(['LoRA', 'test-time adaptation']);
    expect(row('ada@example.com')?.status).toBe('active');
  });

  it('sends at most one email per address every two minutes, whatever the form is sent', async () => {
    const { base, sink, advance, services } = await liveApp();
    for (let i = 0; i < 3; i += 1) {
      const res = await fetch(`${base}/subscribe`, { method: 'POST', headers: FORM, body: form(subscribeForm) });
      expect(res.status).toBe(200);
    }
    await sink.waitFor(1);
    // The window starts when the email went out, as the queue records it.
    await services.subscriptions.drain();
    advance(3);
    await fetch(`${base}/subscribe`, { method: 'POST', headers: FORM, body: form(subscribeForm) });
    const mails = await sink.waitFor(2);
    // The second confirmation carries the same link: it stays valid.
    expect(linkIn(mails[1]!, `${base}/confirm?token=`)).toBe(linkIn(mails[0]!, `${base}/confirm?token=`));
    await services.subscriptions.drain();
    expect(sink.received).toHaveLength(2);
  });

  it('lets a pending subscriber correct their form; the latest one counts', async () => {
    const { base, sink, topics } = await liveApp();
    await fetch(`${base}/subscribe`, { method: 'POST', headers: FORM, body: form(subscribeForm) });
    await sink.waitFor(1);
    await fetch(`${base}/subscribe`, { method: 'POST', headers: FORM, body: form({ ...subscribeForm, topics: 'diffusion' }) });
    expect(topics('ada@example.com')).toEqual(['diffusion']);
  });

  it('answers the same when the relay is down, logs why, and keeps the email queued for a retry', async () => {
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    const { app, db, services } = await testApp({ env: { SMTP_URL: `smtp://127.0.0.1:${await freePort()}` }, logger });
    const res = await app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form(subscribeForm) });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Check your inbox');
    await services.subscriptions.drain();
    const failed = warnings.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'could not send email; will retry');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ template: 'confirm', attempt: 1 });
    expect(String(failed[0]!.reply)).toMatch(/ECONNREFUSED/);
    // The pending row is kept, nothing counts as sent, and the email waits for its next attempt.
    expect(db.prepare('SELECT status, last_notice_at FROM subscribers').get()).toEqual({ status: 'pending', last_notice_at: null });
    expect(db.prepare('SELECT kind, status, attempts FROM notices').all()).toEqual([{ kind: 'confirm', status: 'pending', attempts: 1 }]);
  });

  it("logs a visitor's queued email once, after it is committed, even when a write beside it in the same commit fails", async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const { db, services } = await testApp({ seed: false, logger });
    const visitor = subscribeSchema.parse({ email: 'ada@example.com', topics: 'LoRA' });
    const [subscribed, beside] = await Promise.allSettled([
      services.subscriptions.subscribe(visitor),
      services.writes.run(() => {
        throw new Error('a write beside it failed');
      }),
    ]);
    expect([subscribed.status, beside.status]).toEqual(['fulfilled', 'rejected']);
    const queued = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'email queued');
    expect(queued).toEqual([expect.objectContaining({ template: 'confirm', queued: 'queued' })]);
    expect(db.prepare('SELECT kind FROM notices').all()).toEqual([{ kind: 'confirm' }]);
  });

  it('takes JSON as well as forms', async () => {
    const { base, sink, row, topics } = await liveApp();
    const res = await fetch(`${base}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'grace@example.com', topics: ['LoRA', '"mixture of experts" -video'], frequency: 'daily', send_hour: 9, timezone: 'America/New_York' }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'accepted', message: expect.stringContaining('Check your inbox') });
    expect(row('grace@example.com')).toEqual({ status: 'pending', frequency: 'daily', weekday: null, send_hour: 9, timezone: 'America/New_York' });
    expect(topics('grace@example.com')).toEqual(['LoRA', '"mixture of experts" -video']);
    await sink.waitFor(1);
  });
});
