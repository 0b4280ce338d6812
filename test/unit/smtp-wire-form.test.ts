import { describe, expect, it } from 'vitest';
import { buildMessage } from '../../src/mail/mime.js';
import { inWireForm } from '../../src/mail/smtp-pool.js';
import { DataStream } from '../helpers/mail.js';
import { seededRandom } from '../kit/random.js';

/** What nodemailer's transform makes of a message, less the final dot it adds. */
function transformed(message: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const stream = new DataStream();
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', reject);
    stream.on('end', () => {
      // The end it adds after the last byte: ".\r\n" after a line feed, "\n.\r\n" after a carriage return, "\r\n.\r\n" otherwise.
      const end = message.at(-1) === 0x0a ? 3 : message.at(-1) === 0x0d ? 4 : 5;
      const out = Buffer.concat(chunks);
      resolve(out.subarray(0, out.length - end));
    });
    stream.end(message);
  });
}

const PIECES = ['\r\n', '\n', '\r', '.', '..', 'a', 'Subject: x', ' ', '\r\n.', '=\r\n'];

describe('inWireForm', () => {
  it('accepts a message exactly when SMTP transparency would send it unchanged', async () => {
    const next = seededRandom(7);
    let accepted = 0;
    for (let n = 0; n < 3_000; n += 1) {
      const parts = Array.from({ length: 1 + Math.floor(next() * 12) }, () => PIECES[Math.floor(next() * PIECES.length)]!);
      const message = Buffer.from(parts.join(''), 'latin1');
      const unchanged = (await transformed(message)).equals(message);
      expect({ message: parts.join(''), inWireForm: inWireForm(message) }).toEqual({ message: parts.join(''), inWireForm: unchanged });
      if (unchanged) accepted += 1;
    }
    // Both answers came up often enough to mean something.
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(2_900);
  });

  it('accepts every message the mailer builds, a line that starts with a dot in its HTML included', () => {
    const message = buildMessage({
      from: 'paperboy <digest@paperboy.example>',
      to: 'ada@example.com',
      subject: '3 new papers on LoRA',
      messageId: '<d1@paperboy.example>',
      date: new Date('2026-11-27T08:00:00Z'),
      headers: { 'List-Unsubscribe': '<https://paperboy.example/unsubscribe?token=a.b.c>' },
      text: '.leading dot\nand a bare line feed',
      html: `<p>.leading dot</p>\n.${'é'.repeat(3000)}\r\n.`,
    });
    expect(inWireForm(message)).toBe(true);
  });
});
