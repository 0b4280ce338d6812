import { afterEach } from 'vitest';
import { type ReceivedMail, type SmtpSink, type SmtpSinkOptions, startSmtpSink as startSink } from '../kit/smtp-sink.js';

export type { AcceptedMail, DataHook, DataStartHook, MailFromHook, RcptHook, ReceivedMail, SmtpSink, SmtpSinkOptions } from '../kit/smtp-sink.js';
export { rawHeader } from '../kit/smtp-sink.js';

const sinks: SmtpSink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((sink) => sink.close()));
});

/** A real SMTP server (the `smtp-server` package) on 127.0.0.1, in this process, closed after the test. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const sink = await startSink(options);
  sinks.push(sink);
  return sink;
}

/** The first link in the email's text part that starts with `prefix`. */
export function linkIn(mail: ReceivedMail, prefix: string): string {
  const link = (mail.parsed.text ?? '').split(/\s+/).find((word) => word.startsWith(prefix));
  if (!link) throw new Error(`no link starting with ${prefix} in:\n${mail.parsed.text}`);
  return link;
}
