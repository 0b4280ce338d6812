import type { MailTransport, OutboundMessage } from '../../src/mail/mail-transport.js';

export type RecordedEmail = OutboundMessage['email'] & { raw: Buffer };

/** A transport that keeps what it is given, for tests about what is sent rather than how. */
export function recordingTransport(): { transport: MailTransport; sent: RecordedEmail[] } {
  const sent: RecordedEmail[] = [];
  const transport: MailTransport = {
    kind: 'smtp',
    async send(message) {
      sent.push({ ...message.email, raw: message.raw });
      return { messageId: message.messageId, response: '250 recorded' };
    },
    async close() {},
  };
  return { transport, sent };
}
