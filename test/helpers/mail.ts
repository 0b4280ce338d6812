import type Mail from 'nodemailer/lib/mailer/index.js';
import type { MailTransport } from '../../src/mail/mail-transport.js';

/** A transport that keeps what it is given, for tests about what is sent rather than how. */
export function recordingTransport(): { transport: MailTransport; sent: Mail.Options[] } {
  const sent: Mail.Options[] = [];
  const transport: MailTransport = {
    kind: 'smtp',
    async send(message) {
      sent.push(message);
      return { messageId: String(message.messageId), response: '250 recorded' };
    },
    async close() {},
  };
  return { transport, sent };
}

/** Lets background sends started by a request finish. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
