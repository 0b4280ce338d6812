import { parseArgs } from 'node:util';
import { describePrune } from '../retention/prune.service.js';
import { type Command, EXIT, UsageError } from './command.js';
import { cliLogger, withServices } from './digest-services.js';
import { createProgress, type Progress } from './progress.js';

const USAGE = `Usage: paperboy prune [--dry-run]

Deletes ended digests from the delivery ledger, form emails that were sent
or gave up, run history and outbox files older than RETENTION_DAYS (180 by
default). Each subscriber's newest digest stays whatever its age: the next
digest starts where it ended, so no paper is ever sent twice. --dry-run
shows what would go and deletes nothing. The ledger and the email queue go
1,000 rows at a time, so a server sharing the database never waits long.`;

export const pruneCommand: Command = async (args, { config, stdout, stderr }) => {
  const { values, positionals } = parseArgs({ args, options: { 'dry-run': { type: 'boolean', default: false } }, allowPositionals: true });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const dryRun = values['dry-run'];
  let bar: Progress | undefined;
  const logger = cliLogger((line) => (bar ? bar.note(line) : stderr.write(`${line}\n`)));
  // The bar counts ids walked, ledger and email queue together: a window of them at a time.
  const progress = { onReady: (ids: number) => (bar = createProgress('prune', ids, stderr)), onWindow: (ids: number) => bar?.advance(ids) };
  const result = await withServices(config, logger, async (services) => services.prune.prune({ now: new Date(), dryRun, progress }));
  bar?.finish();
  stdout.write(`${dryRun ? 'would delete' : 'deleted'} ${describePrune(result)}\n`);
  return EXIT.ok;
};
pruneCommand.help = USAGE;
