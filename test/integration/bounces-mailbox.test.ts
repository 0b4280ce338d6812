import { describe, expect, it } from 'vitest';
import { parseMailboxMessage } from '../../src/bounces/mailbox-report.js';
import { SOFT_BOUNCE_LIMIT } from '../../src/bounces/bounce.service.js';
import { TEST_SECRET } from '../helpers/app.js';
import { digestWorld, type DigestWorld } from '../helpers/digest.js';
import { paper } from '../helpers/papers.js';
import { reportFixture } from '../helpers/reports.js';
import { paperboy } from '../helpers/run.js';
import { tampered } from '../helpers/http.js';

const BOUNCE_DOMAIN = 'bounces.paperboy.example.org';
const day = (n: number) => `2026-11-${String(26 + n).padStart(2, '0')}T08:00:00Z`;

/** Two readers with the same topic, one digest each; returns what the digest to `email` went out with. */
async function world() {
  const w = await digestWorld({ env: { BOUNCE_DOMAIN, PUBLIC_URL: 'https://paperboy.example.org' } });
  w.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
  w.subscribe({ email: 'bob@example.com', topics: ['zebrafish'] });
  return w;
}

async function sendDay(w: DigestWorld, n: number) {
  w.addPapers([paper({ title: `Zebrafish study ${n}` })], `2026-11-${String(25 + n).padStart(2, '0')}T10:00:00Z`);
  expect(await w.run(day(n))).toMatchObject({ sent: 2 });
}

/** The VERP address and Message-ID of the latest digest that reached `email`. */
function sentTo(w: DigestWorld, email: string) {
  const mail = w.inbox(email).at(-1)!;
  return { RETURN_PATH: mail.envelopeFrom, MESSAGE_ID: mail.parsed.messageId! };
}

const status = (w: DigestWorld, email: string) => w.services.subscribers.findByEmail(email)!.status;
const reports = (w: DigestWorld) =>
  w.db.prepare('SELECT source, kind, email, delivery_id, outcome, raw FROM mail_reports ORDER BY id').all() as Array<Record<string, string | number | null>>;

describe('reports from the bounce mailbox', () => {
  it('a hard-bounce DSN piped to `paperboy bounces` (the Postfix recipe) suppresses the reader the VERP address names', async () => {
    const w = await world();
    await sendDay(w, 1);
    // The reader forwards to another mailbox, which bounces: only the VERP address names the subscriber.
    const dsn = reportFixture('dsn-hard.eml', { ...sentTo(w, 'ada@example.com'), RECIPIENT: 'ada.old@forwarded.example', MESSAGE_ID: '<rewritten@relay.example>' });
    const env = { DATABASE_PATH: w.db.name, SECRET_KEY: TEST_SECRET, BOUNCE_DOMAIN };
    const run = await paperboy(['bounces'], env, dsn);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^hard-bounce ada@example\.com: suppressed \(delivery \d+\)$/m);

    expect(status(w, 'ada@example.com')).toBe('bounced');
    expect(status(w, 'bob@example.com')).toBe('active');
    const adaRow = w.ledger().find((row) => row.subscriber_id === w.services.subscribers.findByEmail('ada@example.com')!.id)!;
    expect(adaRow).toMatchObject({ status: 'bounced' });
    expect(adaRow.last_error).toMatch(/5\.1\.1/);
    const [stored] = reports(w);
    expect(stored).toMatchObject({ source: 'mailbox', kind: 'hard-bounce', email: 'ada@example.com', delivery_id: adaRow.id, outcome: 'suppressed' });
    expect(String(stored!.raw)).toContain('Undelivered Mail Returned to Sender');

    // The next day's digest goes to Bob only.
    w.addPapers([paper({ title: 'Zebrafish again' })], '2026-11-27T10:00:00Z');
    expect(await w.run(day(2))).toMatchObject({ due: 1, sent: 1 });

    // The MTA may pipe the same message twice: it is recorded once.
    const again = await paperboy(['bounces', '--file', '-'], env, dsn);
    expect(again.stdout).toContain('recorded before');
    expect(reports(w)).toHaveLength(1);

    // The operator sees what arrived and what it did.
    const list = await paperboy(['bounces', '--list'], env);
    expect(list.stdout).toMatch(/mailbox hard-bounce ada@example\.com: suppressed .*5\.1\.1/);
  });

  it(`soft bounces are counted, and ${SOFT_BOUNCE_LIMIT} digests in a row suppress`, async () => {
    const w = await world();
    for (let n = 1; n <= SOFT_BOUNCE_LIMIT; n += 1) {
      await sendDay(w, n);
      const dsn = reportFixture('dsn-soft.eml', { ...sentTo(w, 'bob@example.com'), RECIPIENT: 'bob@example.com' }, [[/7A1D20C9E4/g, `7A1D20C9E${n}`]]);
      const message = parseMailboxMessage(dsn);
      expect(message.type === 'report' && message.report.kind).toBe('soft-bounce');
      if (message.type !== 'report') return;
      const result = w.services.bounces.record(message.report, new Date(day(n)));
      // A redelivered copy of the same report does not count twice.
      expect(w.services.bounces.record(message.report, new Date(day(n))).stored).toBe(false);
      const expected = n < SOFT_BOUNCE_LIMIT ? 'counted' : 'suppressed';
      expect(result.targets).toMatchObject([{ email: 'bob@example.com', outcome: expected }]);
      expect(status(w, 'bob@example.com')).toBe(n < SOFT_BOUNCE_LIMIT ? 'active' : 'bounced');
    }
    expect(status(w, 'ada@example.com')).toBe('active');
  });

  it('a delivered digest between soft bounces restarts the count', async () => {
    const w = await world();
    for (let n = 1; n <= SOFT_BOUNCE_LIMIT + 1; n += 1) {
      await sendDay(w, n);
      if (n === 2) continue;
      const dsn = reportFixture('dsn-soft.eml', { ...sentTo(w, 'bob@example.com'), RECIPIENT: 'bob@example.com' }, [[/7A1D20C9E4/g, `7A1D20C9E${n}`]]);
      const message = parseMailboxMessage(dsn);
      if (message.type === 'report') w.services.bounces.record(message.report, new Date(day(n)));
    }
    expect(status(w, 'bob@example.com')).toBe('active');
  });

  it('an ARF complaint unsubscribes the reader its original message names, and marks the digest', async () => {
    const w = await world();
    await sendDay(w, 1);
    const arf = reportFixture('arf-complaint.eml', { ...sentTo(w, 'bob@example.com'), RECIPIENT: 'redacted@example.net' });
    const run = await paperboy(['bounces'], { DATABASE_PATH: w.db.name, SECRET_KEY: TEST_SECRET, BOUNCE_DOMAIN }, arf);
    expect(run.code, run.stderr).toBe(0);
    expect(status(w, 'bob@example.com')).toBe('unsubscribed');
    expect(status(w, 'ada@example.com')).toBe('active');
    const complained = w.db.prepare('SELECT subscriber_id FROM deliveries WHERE complained_at IS NOT NULL').all();
    expect(complained).toEqual([{ subscriber_id: w.services.subscribers.findByEmail('bob@example.com')!.id }]);
    expect(reports(w)).toMatchObject([{ kind: 'complaint', email: 'bob@example.com', outcome: 'suppressed' }]);
  });

  it('a forged VERP address matches nobody, and a message that is no report is refused with nothing stored', async () => {
    const w = await world();
    await sendDay(w, 1);
    const { RETURN_PATH, MESSAGE_ID } = sentTo(w, 'ada@example.com');
    const forged = RETURN_PATH.replace(/\.[0-9a-f]{16}@/, '.0123456789abcdef@');
    const dsn = reportFixture('dsn-hard.eml', { RETURN_PATH: forged, RECIPIENT: 'someone@else.example', MESSAGE_ID: `<x${MESSAGE_ID.slice(1)}` });
    const message = parseMailboxMessage(dsn);
    if (message.type !== 'report') throw new Error('expected a report');
    expect(w.services.bounces.record(message.report, new Date(day(1))).targets).toMatchObject([{ outcome: 'unmatched' }]);
    expect(status(w, 'ada@example.com')).toBe('active');

    const env = { DATABASE_PATH: w.db.name, SECRET_KEY: TEST_SECRET, BOUNCE_DOMAIN };
    const run = await paperboy(['bounces'], env, 'From: ada@example.com\r\nSubject: hello\r\n\r\nJust a note.\r\n');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/not a delivery status notification/);
    expect(reports(w)).toHaveLength(1);
    expect((await paperboy(['bounces', '--help'], env)).stdout).toContain('Usage: paperboy bounces');
  });

  it('a report that names a reader by address alone (no signed return path, no Message-ID of ours) is stored and changes nobody', async () => {
    const w = await world();
    await sendDay(w, 1);
    const env = { DATABASE_PATH: w.db.name, SECRET_KEY: TEST_SECRET, BOUNCE_DOMAIN };
    // What anyone who knows Ada's and Bob's addresses could mail to the bounce domain.
    const made = { RETURN_PATH: `bounces+d1.0123456789abcdef@${BOUNCE_DOMAIN}`, MESSAGE_ID: '<not-ours@attacker.example>' };
    const dsn = await paperboy(['bounces'], env, reportFixture('dsn-hard.eml', { ...made, RECIPIENT: 'ada@example.com' }));
    const arf = await paperboy(['bounces'], env, reportFixture('arf-complaint.eml', { ...made, RECIPIENT: 'bob@example.com' }));
    expect(dsn.code, dsn.stderr).toBe(0);
    expect(dsn.stdout).toMatch(/^hard-bounce ada@example\.com: unverified$/m);
    expect(arf.stdout).toMatch(/^complaint bob@example\.com: unverified$/m);

    expect(status(w, 'ada@example.com')).toBe('active');
    expect(status(w, 'bob@example.com')).toBe('active');
    expect(w.ledger().map((row) => row.status)).toEqual(['sent', 'sent']);
    expect(w.db.prepare('SELECT count(*) AS n FROM deliveries WHERE complained_at IS NOT NULL').get()).toEqual({ n: 0 });
    expect(reports(w)).toMatchObject([
      { kind: 'hard-bounce', email: 'ada@example.com', outcome: 'unverified' },
      { kind: 'complaint', email: 'bob@example.com', outcome: 'unverified' },
    ]);
    // The same complaint with the digest's own Message-ID is genuine: the relay quoted a message only we could have made.
    const real = reportFixture('arf-complaint.eml', { ...made, MESSAGE_ID: sentTo(w, 'bob@example.com').MESSAGE_ID, RECIPIENT: 'redacted@example.net' }, [
      [/<fbl-7733190@example\.net>/, '<fbl-7733191@example.net>'],
    ]);
    expect((await paperboy(['bounces'], env, real)).code).toBe(0);
    expect(status(w, 'bob@example.com')).toBe('unsubscribed');
  });

  it('an unsubscribe request sent to UNSUBSCRIBE_MAILBOX unsubscribes the reader its token names', async () => {
    const w = await digestWorld({ env: { UNSUBSCRIBE_MAILBOX: 'unsubscribe@paperboy.example.org' } });
    w.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    const ada = w.services.subscribers.findByEmail('ada@example.com')!;
    const token = w.services.links.token('unsubscribe', ada);
    const request = `From: ada@example.com\r\nTo: unsubscribe@paperboy.example.org\r\nSubject: unsubscribe ${token}\r\n\r\n`;
    const env = { DATABASE_PATH: w.db.name, SECRET_KEY: TEST_SECRET };
    const bad = await paperboy(['bounces'], env, request.replace(token, tampered(token)));
    expect(bad.code).toBe(2);
    expect(status(w, 'ada@example.com')).toBe('active');
    const run = await paperboy(['bounces'], env, request);
    expect(run.code, run.stderr).toBe(0);
    expect(status(w, 'ada@example.com')).toBe('unsubscribed');
  });
});
