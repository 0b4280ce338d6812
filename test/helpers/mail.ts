import type { Transform } from 'node:stream';
import type { MailTransport, OutboundMessage } from '../../src/mail/mail-transport.js';

/** nodemailer's DATA transform (dot-stuffing), the class SMTPConnection uses; the package does not export its module, so it is loaded by its file. */
export const { default: DataStream } = (await import(
  new URL('../../node_modules/nodemailer/dist/esm/smtp-connection/data-stream.js', import.meta.url).href
)) as { default: new () => Transform & { _transform(chunk: Buffer, encoding: string, done: () => void): void } };

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
