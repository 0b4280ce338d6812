import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildMessage, envelopeAddress } from '../../src/mail/mime.js';

const base = {
  from: 'paperboy <digest@paperboy.example>',
  to: 'ada@example.com',
  subject: '3 new papers on LoRA',
  messageId: '<d1@paperboy.example>',
  date: new Date('2026-11-27T08:00:00Z'),
  headers: { 'List-Unsubscribe': '<https://paperboy.example/unsubscribe?token=a.b.c>', 'List-Id': 'paperboy digest <digest.paperboy.example>' },
  text: 'Hello\nSecond line ▲ 12 upvotes…',
  html: '<p>Hello <mark>LoRA</mark> — Éclair 🧪</p>\n<p>.leading dot</p>',
};

describe('buildMessage', () => {
  it('builds a message any mail reader parses back to what went in', async () => {
    const raw = buildMessage(base);
    const parsed = await simpleParser(raw);
    expect(parsed.from?.value).toEqual([{ address: 'digest@paperboy.example', name: 'paperboy' }]);
    expect(parsed.to).toMatchObject({ value: [{ address: 'ada@example.com', name: '' }] });
    expect(parsed.subject).toBe('3 new papers on LoRA');
    expect(parsed.messageId).toBe('<d1@paperboy.example>');
    expect(parsed.date?.toISOString()).toBe('2026-11-27T08:00:00.000Z');
    expect(raw.toString('latin1')).toMatch(/^List-Id: paperboy digest <digest\.paperboy\.example>\r$/m);
    expect(parsed.text).toBe(base.text);
    expect(parsed.html).toBe(base.html);
  });

  it('keeps every byte 7-bit and every line within 78 characters', () => {
    const raw = buildMessage({ ...base, html: `<p>${'é'.repeat(5000)}</p>`, text: 'x'.repeat(3000) });
    expect([...raw].every((byte) => byte < 0x80)).toBe(true);
    const lines = raw.toString('latin1').split('\r\n');
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(78);
    expect(raw.toString('latin1')).not.toMatch(/[^\r]\n/);
  });

  it('encodes a subject and a sender name outside ASCII as encoded words', async () => {
    const raw = buildMessage({ ...base, from: 'Pâpérboy Digest <digest@paperboy.example>', subject: '2 new papers on “test-time” adaptation…' });
    const head = raw.toString('latin1').split('\r\n\r\n')[0]!;
    expect(head).toMatch(/^Subject: 2 new papers on =\?UTF-8\?Q\?/m);
    expect(head).toMatch(/^From: =\?UTF-8\?Q\?/m);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe('2 new papers on “test-time” adaptation…');
    expect(parsed.from?.value[0]).toEqual({ address: 'digest@paperboy.example', name: 'Pâpérboy Digest' });
  });

  it('quotes a sender name with special characters', async () => {
    const raw = buildMessage({ ...base, from: '"paperboy, the digest" <digest@paperboy.example>' });
    expect(raw.toString('latin1')).toMatch(/^From: "paperboy, the digest" <digest@paperboy\.example>\r$/m);
    expect((await simpleParser(raw)).from?.value[0]?.name).toBe('paperboy, the digest');
  });

  it('writes each body as base64 lines of exactly 76 (the last shorter) that decode to the body, whatever its length', () => {
    for (const length of [0, 1, 2, 56, 57, 58, 113, 114, 115, 1_000, 14_000]) {
      const body = 'é✓a'.repeat(length).slice(0, length);
      const raw = buildMessage({ ...base, text: body, html: `<p>${body}</p>` }).toString('latin1');
      const boundary = /boundary="([^"]+)"/.exec(raw)![1]!;
      expect(raw.endsWith(`\r\n--${boundary}--\r\n`)).toBe(true);
      const parts = raw.slice(0, -`\r\n--${boundary}--\r\n`.length).split(`\r\n--${boundary}\r\n`).slice(1);
      const decoded = parts.map((part) => {
        const payload = part.slice(part.indexOf('\r\n\r\n') + 4);
        const lines = payload.split('\r\n');
        expect(lines.slice(0, -1).every((line) => line.length === 76), `${length}: full lines`).toBe(true);
        expect(lines.at(-1)!.length, `${length}: last line`).toBeLessThanOrEqual(76);
        return Buffer.from(lines.join(''), 'base64').toString('utf8');
      });
      expect(decoded, `${length}`).toEqual([body, `<p>${body}</p>`]);
    }
  });

  it('writes a recipient as given, with an international domain in ASCII, and keeps a display name', async () => {
    const bare = buildMessage({ ...base, to: 'Ada@bücher.example' }).toString('latin1');
    expect(bare).toMatch(/^To: Ada@xn--bcher-kva\.example\r$/m);
    const named = await simpleParser(buildMessage({ ...base, to: 'Ada Lovelace <ada@example.com>' }));
    expect(named.to).toMatchObject({ value: [{ address: 'ada@example.com', name: 'Ada Lovelace' }] });
  });

  it('gives every message its own boundary', () => {
    const boundary = (raw: Buffer) => /boundary="([^"]+)"/.exec(raw.toString('latin1'))?.[1];
    expect(boundary(buildMessage(base))).not.toBe(boundary(buildMessage(base)));
  });
});

describe('envelopeAddress', () => {
  it('is the bare address of a From with a name, with an international domain in ASCII', () => {
    expect(envelopeAddress('paperboy <digest@paperboy.example>')).toBe('digest@paperboy.example');
    expect(envelopeAddress('digest@bücher.example')).toBe('digest@xn--bcher-kva.example');
  });
});
