import { describe, expect, it } from 'vitest';
import { parseMailboxMessage } from '../../src/bounces/mailbox-report.js';
import { ReportFormatError } from '../../src/bounces/mail-report.js';
import { reportFixture } from '../helpers/reports.js';

const VALUES = { RETURN_PATH: 'bounces+d7.0123456789abcdef@bounces.example.org', RECIPIENT: 'ada@example.com', MESSAGE_ID: '<digest.2026-11-27.7.x@example.org>' };

function report(raw: Buffer) {
  const message = parseMailboxMessage(raw);
  if (message.type !== 'report') throw new Error('expected a report');
  return message.report;
}

describe('reading the bounce mailbox', () => {
  it('reads a hard bounce: the recipient, the VERP address, the original Message-ID and the diagnostic', () => {
    expect(report(reportFixture('dsn-hard.eml', VALUES))).toMatchObject({
      kind: 'hard-bounce',
      recipients: ['ada@example.com'],
      messageId: VALUES.MESSAGE_ID,
      sourceId: '<20261127080004.4F2C61A0B3@mx.example.com>',
    });
    expect(report(reportFixture('dsn-hard.eml', VALUES)).returnPaths).toContain(VALUES.RETURN_PATH);
    expect(report(reportFixture('dsn-hard.eml', VALUES)).detail).toMatch(/failed 5\.1\.1: smtp; 550 5\.1\.1/);
  });

  it('takes a 4.x.x failure as soft and a delay warning as nothing to act on', () => {
    expect(report(reportFixture('dsn-soft.eml', VALUES)).kind).toBe('soft-bounce');
    expect(report(reportFixture('dsn-hard.eml', VALUES, [[/Action: failed/, 'Action: delayed'], [/Status: 5\.1\.1/, 'Status: 4.4.7']])).kind).toBe('other');
  });

  it('reads a complaint only for abuse or fraud feedback', () => {
    expect(report(reportFixture('arf-complaint.eml', VALUES))).toMatchObject({ kind: 'complaint', recipients: ['ada@example.com'] });
    expect(report(reportFixture('arf-complaint.eml', VALUES, [[/Feedback-Type: abuse/, 'Feedback-Type: not-spam']])).kind).toBe('other');
  });

  it('finds a report wrapped in another multipart, as some forwarders send it', () => {
    const inner = reportFixture('dsn-hard.eml', VALUES).toString();
    const wrapped = `From: fwd@example.net\r\nSubject: Fwd\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="outer"\r\n\r\n--outer\r\nContent-Type: text/plain\r\n\r\nforwarded\r\n--outer\r\n${inner.slice(inner.indexOf('MIME-Version'))}\r\n--outer--\r\n`;
    expect(report(Buffer.from(wrapped)).kind).toBe('hard-bounce');
  });

  it('refuses a message that is no report', () => {
    expect(() => parseMailboxMessage(Buffer.from('From: a@example.com\r\nSubject: hi\r\n\r\nhello\r\n'))).toThrow(ReportFormatError);
  });
});
