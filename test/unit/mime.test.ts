import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { joinPieces } from '../../src/mail/html-pieces.js';
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

describe('buildMessage with the HTML in pieces', () => {
  // Lengths chosen to cross the 57-byte steps of base64 lines, with characters of 2 to 4 bytes at the edges.
  const card = (title: string) => ({ title });
  const blockOf = (key: { title: string }, calls: string[]) => ({
    key,
    html: () => {
      calls.push(key.title);
      return `<tr><td>${key.title} ▲ ${'x'.repeat(key.title.length * 7)}é</td></tr>`;
    },
  });

  it('decodes to the frames and blocks in order, each piece but the last padded with spaces to whole base64 lines', async () => {
    const calls: string[] = [];
    const [a, b] = [card('Zebrafish 🧪'), card('LoRA')];
    const pieces = { frames: ['<table><tbody>', '', '<!-- between -->', '</tbody></table>\n<p>Éclair</p>'], blocks: [blockOf(a, calls), blockOf(b, calls), blockOf(a, calls)] };
    const raw = buildMessage({ ...base, html: pieces });
    const html = String((await simpleParser(raw)).html);
    expect(html).toBe(joinPieces(pieces));
    expect(html.replace(/ +(?=<|$)/g, '')).toBe(
      `<table><tbody>${blockOf(a, []).html()}${blockOf(b, []).html()}<!-- between -->${blockOf(a, []).html()}</tbody></table>\n<p>Éclair</p>`.replace(/ +(?=<|$)/g, ''),
    );
    expect([...raw].every((byte) => byte < 0x80)).toBe(true);
    expect(Math.max(...raw.toString('latin1').split('\r\n').map((line) => line.length))).toBeLessThanOrEqual(78);
  });

  it('encodes a shared block once for every message that holds it', async () => {
    const calls: string[] = [];
    const shared = card('Shared paper');
    const first = buildMessage({ ...base, html: { frames: ['<p>Ada</p>', ''], blocks: [blockOf(shared, calls)] } });
    const second = buildMessage({ ...base, to: 'bob@example.com', html: { frames: ['<p>Bob, a longer frame</p>', '<p>end</p>'], blocks: [blockOf(shared, calls)] } });
    expect(calls).toEqual(['Shared paper']);
    expect(String((await simpleParser(first)).html)).toContain('Shared paper ▲');
    expect(String((await simpleParser(second)).html)).toMatch(/^<p>Bob, a longer frame<\/p> *<tr><td>Shared paper ▲ x+é<\/td><\/tr> *<p>end<\/p>$/);
  });

  it('gives the same email whole or in pieces, to a reader who ignores spaces between elements', async () => {
    const calls: string[] = [];
    const frames = ['<div>', '</div>'];
    const block = blockOf(card('Only'), calls);
    const whole = await simpleParser(buildMessage({ ...base, html: frames[0] + block.html() + frames[1] }));
    const pieces = await simpleParser(buildMessage({ ...base, html: { frames, blocks: [block] } }));
    expect(String(pieces.html).replace(/ +(?=<)/g, '')).toBe(String(whole.html));
    expect(pieces.text).toBe(whole.text);
  });
});
