import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { relayWarnings } from '../../src/mail/relay-warnings.js';
import { digestWorld } from '../helpers/digest.js';
import { paper } from '../helpers/papers.js';
import { rawHeader } from '../helpers/smtp-sink.js';

const DAY1 = '2026-11-27T08:00:00Z';
const POSTAL = 'Paperboy Labs, 12 Rue des Écoles, 75005 Paris, France';
const BULK_ENV = {
  PUBLIC_URL: 'https://paperboy.example.org',
  MAIL_POSTAL_ADDRESS: POSTAL,
  UNSUBSCRIBE_MAILBOX: 'unsubscribe@paperboy.example.org',
  BOUNCE_DOMAIN: 'bounces.paperboy.example.org',
};

describe('what a bulk sender must show', () => {
  it('prints the postal address in the HTML and text footers, and offers https and mailto unsubscribe', async () => {
    const world = await digestWorld({ env: BULK_ENV });
    const ada = world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    world.addPapers([paper({ title: 'Zebrafish' })], '2026-11-26T10:00:00Z');
    await world.run(DAY1);
    const [mail] = world.inbox('ada@example.com');

    expect(mail!.parsed.text).toContain(POSTAL);
    // The HTML escapes nothing in this address but keeps its accents.
    expect(mail!.parsed.html).toContain(POSTAL);
    // The footer is a signature block to mail clients ("-- " on its own line), and buttons never run
    // together into one word where styles are stripped (spam filters score joined links too).
    expect(mail!.parsed.text).toMatch(/\n-- \nYou get this email/);
    expect(mail!.parsed.html).toMatch(/>More like this<\/a> <a /);
    expect(mail!.parsed.html).not.toMatch(/<\/a><a\b/);

    const token = world.services.links.token('unsubscribe', ada);
    expect(rawHeader(mail!.raw, 'List-Unsubscribe')).toBe(
      `<https://paperboy.example.org/unsubscribe?token=${token}>, <mailto:unsubscribe@paperboy.example.org?subject=unsubscribe%20${token}>`,
    );
    expect(rawHeader(mail!.raw, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    // Gmail reads the fields from the right: the sender's id (5 to 15 characters) last, the host before it.
    expect(rawHeader(mail!.raw, 'Feedback-ID')).toBe('daily:digest:paperboy.example.org:paperboy');
    // Vacation responders leave it alone, old (Precedence) and RFC 3834 (Auto-Submitted) alike.
    expect(rawHeader(mail!.raw, 'Precedence')).toBe('bulk');
    expect(rawHeader(mail!.raw, 'Auto-Submitted')).toBe('auto-generated');

    // Bounces go to a VERP address that names this delivery, signed.
    const [row] = world.ledger();
    expect(mail!.envelopeFrom).toMatch(/^bounces\+d\d+\.[0-9a-f]{16}@bounces\.paperboy\.example\.org$/);
    expect(world.services.returnPaths!.deliveryOf(mail!.envelopeFrom)).toBe(row!.id);
  });

  it('signs the headers one-click unsubscribe and Gmail feedback need, when DKIM is set', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const world = await digestWorld({ env: { ...BULK_ENV, DKIM_DOMAIN: 'paperboy.example.org', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY: privateKey } });
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    world.addPapers([paper({ title: 'Zebrafish' })], '2026-11-26T10:00:00Z');
    await world.run(DAY1);
    const [mail] = world.inbox('ada@example.com');
    const signed = /\bh=([^;]+);/.exec(rawHeader(mail!.raw, 'DKIM-Signature')!.replace(/\s+/g, ''))![1]!.toLowerCase().split(':');
    expect(signed).toEqual(expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'feedback-id', 'list-id', 'from', 'subject', 'precedence', 'auto-submitted']));
  });

  it('sends no postal line, no mailto and no VERP address when those settings are absent', async () => {
    const world = await digestWorld({ env: { PUBLIC_URL: 'https://paperboy.example.org' } });
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    world.addPapers([paper({ title: 'Zebrafish' })], '2026-11-26T10:00:00Z');
    await world.run(DAY1);
    const [mail] = world.inbox('ada@example.com');
    expect(rawHeader(mail!.raw, 'List-Unsubscribe')).not.toContain('mailto:');
    expect(mail!.envelopeFrom).toBe('paperboy@localhost');
    expect(mail!.parsed.text!.trimEnd().split('\n').at(-1)).toMatch(/^https:\/\/paperboy\.example\.org\/feeds\//);
  });

  it('refuses header-bound settings that hold a line break', () => {
    for (const [name, value] of [
      ['UNSUBSCRIBE_MAILBOX', 'a@example.com\r\nBcc: victim@example.com'],
      ['BOUNCE_DOMAIN', 'example.com\nX: y'],
      ['MAIL_POSTAL_ADDRESS', '1 Main St\r\nBcc: victim@example.com'],
      // Would break out of the mailto: URL's subject.
      ['UNSUBSCRIBE_MAILBOX', 'a?subject=x@example.com'],
    ] as const) {
      expect(() => loadConfig({ [name]: value }), name).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value }), name).toThrow(new RegExp(name));
    }
  });
});

describe('start-up warnings for a relay', () => {
  const relay = { SMTP_URL: 'smtp://relay.example.com:587' };

  it('warns about a missing postal address, plain-http links and unsigned mail when a relay is set', () => {
    const warnings = relayWarnings(loadConfig(relay));
    expect(warnings.join('\n')).toMatch(/MAIL_POSTAL_ADDRESS/);
    expect(warnings.join('\n')).toMatch(/PUBLIC_URL \(http:\/\/localhost:3000\) is not https/);
    expect(warnings.join('\n')).toMatch(/DKIM/);
  });

  it('says nothing when the relay set-up is complete, or when there is no relay', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const complete = { ...relay, ...BULK_ENV, DKIM_DOMAIN: 'example.org', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY: privateKey };
    expect(relayWarnings(loadConfig(complete))).toEqual([]);
    expect(relayWarnings(loadConfig({}))).toEqual([]);
  });
});
