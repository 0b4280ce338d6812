import { describe, expect, it } from 'vitest';
import { smtpEndpoint } from '../../src/mail/mail-transport.js';
import { classifySendError } from '../../src/mail/send-errors.js';

describe('smtpEndpoint', () => {
  it('requires STARTTLS before a password goes to a relay on another machine', () => {
    expect(smtpEndpoint('smtp://user:pass@relay.example.com:587')).toMatchObject({ host: 'relay.example.com', port: 587, secure: false, requireTLS: true });
    expect(smtpEndpoint('smtp://user:pass@[2001:db8::1]')).toMatchObject({ host: '2001:db8::1', requireTLS: true });
  });

  it('lets a relay on this machine, a relay without a login, and implicit TLS go as they are', () => {
    for (const url of ['smtp://user:pass@127.0.0.1:25', 'smtp://user:pass@localhost', 'smtp://user:pass@[::1]:25', 'smtp://relay.example.com:25']) {
      expect(smtpEndpoint(url).requireTLS, url).toBe(false);
    }
    expect(smtpEndpoint('smtps://user:pass@relay.example.com')).toMatchObject({ port: 465, secure: true, requireTLS: false });
  });
});

describe('classifySendError', () => {
  const smtp = (code: string, command: string, responseCode: number) => Object.assign(new Error(`${responseCode} reply`), { code, command, responseCode, response: `${responseCode} reply` });

  it('calls a refused login or sender a refused session: no bounce, and no attempt used', () => {
    expect(classifySendError(smtp('EAUTH', 'AUTH PLAIN', 535))).toMatchObject({ kind: 'refused', responseCode: 535 });
    expect(classifySendError(smtp('EENVELOPE', 'MAIL FROM', 553))).toMatchObject({ kind: 'refused', responseCode: 553 });
  });

  it('keeps a recipient refusal a bounce and a temporary answer transient, at any stage', () => {
    expect(classifySendError(smtp('EENVELOPE', 'RCPT TO', 550))).toMatchObject({ kind: 'bounce' });
    expect(classifySendError(smtp('EMESSAGE', 'DATA', 554))).toMatchObject({ kind: 'bounce' });
    expect(classifySendError(smtp('EENVELOPE', 'MAIL FROM', 451))).toMatchObject({ kind: 'transient' });
  });
});
