import { describe, expect, it } from 'vitest';
import { digestMessageIds } from '../../src/digest/message-id.js';
import { Mailer } from '../../src/mail/mailer.js';
import { recordingTransport } from '../helpers/mail.js';

const mailer = new Mailer(recordingTransport().transport, 'Paperboy <digest@example.org>');
const keyA = Buffer.alloc(32, 1);
const keyB = Buffer.alloc(32, 2);

describe('digest Message-IDs', () => {
  it('are the same for every attempt at one digest, and differ between digests', () => {
    const ids = digestMessageIds(keyA, mailer);
    expect(ids(42, '2026-11-27')).toMatch(/^<digest\.2026-11-27\.42\.[A-Za-z0-9_-]{12}@example\.org>$/);
    expect(ids(42, '2026-11-27')).toBe(digestMessageIds(keyA, mailer)(42, '2026-11-27'));
    expect(ids(42, '2026-11-28')).not.toBe(ids(42, '2026-11-27'));
    expect(ids(43, '2026-11-27')).not.toBe(ids(42, '2026-11-27'));
    expect(ids(42, '2026-W48')).toMatch(/^<digest\.2026-W48\.42\./);
  });

  it('differ between two installs with the same subscriber ids', () => {
    expect(digestMessageIds(keyA, mailer)(1, '2026-11-27')).not.toBe(digestMessageIds(keyB, mailer)(1, '2026-11-27'));
  });
});
