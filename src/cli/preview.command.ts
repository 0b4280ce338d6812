import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { emailSchema } from '../subscriptions/subscription.schema.js';
import { type Command, EXIT, UsageError } from './command.js';
import { cliLogger, parseNow, withServices } from './digest-services.js';

/** `paperboy preview --email E [--out F.html] [--now ISO]`: the digest that subscriber would get now, as HTML. */
export const previewCommand: Command = async (args, { config, stdout, stderr }) => {
  const { values, positionals } = parseArgs({
    args,
    options: { email: { type: 'string' }, out: { type: 'string' }, now: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const email = emailSchema.safeParse(values.email ?? '');
  if (!email.success) throw new UsageError('preview needs --email with a subscriber\'s address, such as --email ada@example.com');
  const now = parseNow(values.now, (message) => new UsageError(message));
  // A mistyped path is the caller's to fix, said before any work (as backup does).
  if (values.out !== undefined) {
    const out = path.resolve(values.out);
    if (!fs.statSync(path.dirname(out), { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`the folder ${path.dirname(values.out)} does not exist`);
    if (fs.statSync(out, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${values.out} is a folder; give --out a file name, such as digest.html`);
  }

  return withServices(config, cliLogger((line) => stderr.write(`${line}\n`)), async ({ digests }) => {
    const preview = digests.preview(email.data, now);
    if (!preview) throw new UsageError(`no subscriber has the address ${email.data}`);
    const { subscriber } = preview;
    if (subscriber.status !== 'active') stderr.write(`note: ${subscriber.email} is ${subscriber.status}, so no digest goes out to them\n`);
    if (!preview.email) {
      stdout.write(`Nothing new matches ${subscriber.email}'s topics for the ${preview.digestKey} digest: no email would be sent.\n`);
      return EXIT.ok;
    }
    if (values.out === undefined) {
      stdout.write(preview.email.html);
      return EXIT.ok;
    }
    const file = path.resolve(values.out);
    fs.writeFileSync(file, preview.email.html);
    stdout.write(`${file}: "${preview.email.subject}" (${preview.papers} of ${preview.matched} matching papers)\n`);
    return EXIT.ok;
  });
};
