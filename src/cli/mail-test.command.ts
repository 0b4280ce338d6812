import { parseArgs } from 'node:util';
import { sendRelayTest } from '../mail/relay-test.js';
import { relayWarnings } from '../mail/relay-warnings.js';
import { emailSchema } from '../subscriptions/subscription.schema.js';
import { type Command, EXIT, UsageError } from './command.js';

const HELP = `Usage: paperboy mail-test --to ADDRESS

Sends one test email through the relay in SMTP_URL, on its own connection,
and prints the SMTP conversation, the relay's answer and the headers sent
(DKIM-Signature included when DKIM is set). Exits 1 when the relay refuses.`;

export const mailTestCommand: Command = async (args, { config, stdout, stderr }) => {
  const { values, positionals } = parseArgs({ args, options: { to: { type: 'string' } }, allowPositionals: true });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const to = emailSchema.safeParse(values.to ?? '');
  if (!to.success) throw new UsageError('mail-test needs --to with an address, such as --to you@example.com');
  if (!config.smtpUrl) throw new UsageError('SMTP_URL is not set: mail-test checks a relay, and without one emails go to the outbox');

  for (const warning of relayWarnings(config)) stderr.write(`warning: ${warning}\n`);
  const result = await sendRelayTest({ ...config, smtpUrl: config.smtpUrl }, to.data);
  stdout.write(`SMTP conversation with ${new URL(config.smtpUrl).host}:\n`);
  for (const line of result.transcript) stdout.write(`  ${line}\n`);
  stdout.write(`\nEnvelope: MAIL FROM:<${result.envelope.from}> RCPT TO:<${result.envelope.to}>\n`);
  stdout.write(`Headers sent:\n${result.headers.replace(/^/gm, '  ')}\n\n`);
  stdout.write(`${result.ok ? 'Accepted' : 'Refused'}: ${result.reply}\n`);
  if (!config.dkim && !/^DKIM-Signature:/im.test(result.headers)) stdout.write('Not DKIM-signed here: set DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY, or have the relay sign.\n');
  return result.ok ? EXIT.ok : EXIT.failed;
};
mailTestCommand.help = HELP;
