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
