import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RETRY } from '../../src/digest/digest-sender.js';
import { digestWorld } from '../helpers/digest.js';
import { paper } from '../helpers/papers.js';

const DAY1 = '2026-11-27T08:00:00Z';
const later = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** A header as it was sent, unfolded; mailparser turns List-* headers into objects. */
function rawHeader(raw: Buffer, name: string): string | undefined {
  const head = raw.toString().split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' ');
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

const messageIdOf = (raw: Buffer) => rawHeader(raw, 'Message-ID');

describe('SMTP faults from a real server', () => {
  it('retries a 451 with backoff and sends the digest once', async () => {
    const world = await digestWorld({ onData: ({ index }) => (index === 0 ? smtpError(451, 'Try again later') : null) });
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    world.addPapers([paper({ title: 'Zebrafish' })], '2026-11-26T10:00:00Z');

    expect(await world.run(DAY1)).toMatchObject({ sent: 0, retried: 1 });
    const [waiting] = world.ledger();
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1, next_attempt_at: later(DAY1, RETRY.baseMs) });
    expect(waiting!.last_error).toMatch(/451/);

    // Not before the backoff has passed.
    expect((await world.run(later(DAY1, RETRY.baseMs - 1000))).sent).toBe(0);
    expect(await world.run(later(DAY1, RETRY.baseMs))).toMatchObject({ sent: 1, retried: 0 });
    expect(world.ledger()).toMatchObject([{ status: 'sent', attempts: 2 }]);
    expect(world.inbox('ada@example.com')).toHaveLength(1);
    expect(world.sink.seen.map(({ raw }) => messageIdOf(raw))).toEqual([waiting!.message_id, waiting!.message_id]);
  });

  it('backs off exponentially up to a cap, then gives up', async () => {
    const world = await digestWorld({ onData: () => smtpError(421, 'Busy') });
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    world.addPapers([paper({ title: 'Zebrafish' })], '2026-11-26T10:00:00Z');
    let at = DAY1;
    const delays: number[] = [];
    for (let attempt = 1; attempt <= RETRY.maxAttempts; attempt += 1) {
      await world.run(at);
      const [row] = world.ledger();
      if (row!.next_attempt_at === null) break;
      delays.push(Date.parse(row!.next_attempt_at) - Date.parse(at));
      at = row!.next_attempt_at;
    }
    expect(delays.map((ms) => ms / 60_000)).toEqual([1, 2, 4, 8, 16, 32, 60]);
    expect(world.ledger()).toMatchObject([{ status: 'failed', attempts: RETRY.maxAttempts }]);
    expect(world.services.subscribers.findByEmail('ada@example.com')!.status).toBe('active');
  });

  it('marks a 550 as bounced and sends that address nothing more', async () => {
    const world = await digestWorld({
      onData: ({ envelopeTo }) => (envelopeTo.includes('gone@example.com') ? smtpError(550, 'No such user') : null),
    });
    world.subscribe({ email: 'gone@example.com', topics: ['zebrafish'] });
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    world.addPapers([paper({ title: 'Zebrafish' })], '2026-11-26T10:00:00Z');

    expect(await world.run(DAY1)).toMatchObject({ sent: 1, bounced: 1, retried: 0 });
    expect(world.ledger().map((row) => row.status).sort()).toEqual(['bounced', 'sent']);
    expect(world.services.subscribers.findByEmail('gone@example.com')!.status).toBe('bounced');

    world.addPapers([paper({ title: 'Zebrafish again' })], '2026-11-27T10:00:00Z');
    expect(await world.run('2026-11-28T08:00:00Z')).toMatchObject({ due: 1, sent: 1, bounced: 0 });
    expect(world.sink.seen.filter(({ envelopeTo }) => envelopeTo.includes('gone@example.com'))).toHaveLength(1);
  });

  it('retries a connection dropped during DATA with the same Message-ID', async () => {
    const world = await digestWorld({ onData: ({ index }) => (index === 0 ? 'drop' : null) });
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    world.addPapers([paper({ title: 'Zebrafish' })], '2026-11-26T10:00:00Z');

    expect(await world.run(DAY1)).toMatchObject({ sent: 0, retried: 1 });
    expect(await world.run(later(DAY1, RETRY.baseMs))).toMatchObject({ sent: 1 });
    const ids = world.sink.seen.map(({ raw }) => messageIdOf(raw));
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toBe(world.ledger()[0]!.message_id);
  });

  it('stops a run early when the relay cannot be reached, keeping every digest for later', async () => {
    const world = await digestWorld({ env: { SMTP_URL: 'smtp://127.0.0.1:9', SMTP_POOL_SIZE: '1' } });
    for (let i = 0; i < 12; i += 1) world.subscribe({ email: `reader${i}@example.com`, topics: ['zebrafish'] });
    world.addPapers([paper({ title: 'Zebrafish' })], '2026-11-26T10:00:00Z');
    const summary = await world.run(DAY1);
    expect(summary.sent).toBe(0);
    expect(summary.retried).toBe(5);
    const rows = world.ledger();
    expect(rows.every((row) => row.status === 'pending')).toBe(true);
    expect(rows.filter((row) => row.attempts === 0)).toHaveLength(7);
  });
});

describe('the digest as it arrives', () => {
  it('carries one-click unsubscribe headers that work, List-Id, and the ledger\'s Message-ID', async () => {
    const world = await digestWorld({ env: { PUBLIC_URL: 'https://paperboy.example.org' } });
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    world.addPapers([paper({ title: 'Zebrafish' })], '2026-11-26T10:00:00Z');
    await world.run(DAY1);
    const [mail] = world.inbox('ada@example.com');
    const header = (name: string) => rawHeader(mail!.raw, name);

    const unsubscribe = /^<(https:\/\/paperboy\.example\.org\/unsubscribe\?token=[^>]+)>$/.exec(header('List-Unsubscribe') ?? '');
    expect(unsubscribe).not.toBeNull();
    expect(header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(header('List-Id')).toBe('paperboy digest <digest.paperboy.example.org>');
    expect(mail!.parsed.messageId).toBe(world.ledger()[0]!.message_id);
    expect(mail!.parsed.text).toContain(unsubscribe![1]);

    // What a mail client's button does: a POST with the RFC 8058 body, no cookie.
    const path = unsubscribe![1]!.replace('https://paperboy.example.org', '');
    const click = await world.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(click.statusCode).toBe(200);
    expect(world.services.subscribers.findByEmail('ada@example.com')!.status).toBe('unsubscribed');
    world.addPapers([paper({ title: 'Zebrafish two' })], '2026-11-27T10:00:00Z');
    expect((await world.run('2026-11-28T08:00:00Z')).due).toBe(0);
  });

  it('escapes hostile paper data in the HTML part', async () => {
    const world = await digestWorld();
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    world.addPapers(
      [
        paper({
          title: 'Zebrafish <script>alert(1)</script>',
          abstract: 'Zebrafish <img src=x onerror=alert(2)> swim.',
          authors: ['<b>Mallory</b>'],
          pageUrl: 'javascript:alert(3)',
        }),
      ],
      '2026-11-26T10:00:00Z',
    );
    await world.run(DAY1);
    const [mail] = world.inbox('ada@example.com');
    const html = String(mail!.parsed.html);
    expect(html).not.toMatch(/<script>alert|<img src=x|<b>Mallory|javascript:alert/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;Mallory&lt;/b&gt;');
    expect(mail!.parsed.text).toContain('Zebrafish <script>alert(1)</script>');
  });

  it('signs digests with DKIM when the DKIM settings are given', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const world = await digestWorld({
      env: {
        DKIM_DOMAIN: 'example.org',
        DKIM_SELECTOR: 'mail2026',
        DKIM_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
    });
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    world.addPapers([paper({ title: 'Zebrafish' })], '2026-11-26T10:00:00Z');
    await world.run(DAY1);
    const signature = rawHeader(world.inbox('ada@example.com')[0]!.raw, 'DKIM-Signature') ?? '';
    expect(signature).toMatch(/d=example\.org/);
    expect(signature).toMatch(/s=mail2026/);
  });
});
