import { parseArgs } from 'node:util';
import { requireRelayInProduction } from '../config.js';
import { type Command, EXIT, UsageError } from './command.js';
import { cliLogger, parseNow, withServices } from './digest-services.js';
import { createProgress, type Progress } from './progress.js';

/**
 * `paperboy digest [--now ISO] [--dry-run] [--json]`: one scheduler tick, as
 * if the time were --now. `--json` prints the run's summary as one JSON
 * object, for scripts and monitoring.
 */
export const digestCommand: Command = async (args, { config, stdout, stderr }) => {
  const { values, positionals } = parseArgs({
    args,
    options: { now: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const now = parseNow(values.now, (message) => new UsageError(message));
  const dryRun = values['dry-run'];
  if (!dryRun) requireRelayInProduction(config);

  let progress: Progress | undefined;
  /** A dry run's digests that earlier runs planned and this one would send. */
  let waiting = 0;
  const logger = cliLogger((line) => (progress ? progress.note(line) : stderr.write(`${line}\n`)));
  const summary = await withServices(config, logger, (services) =>
    services.digests.run({
      now,
      dryRun,
      onReady: (ready) => {
        if (!dryRun) progress = createProgress('digest', ready, stderr);
      },
      onDelivered: () => progress?.advance(),
      onDryRun: ({ email, digestKey, papers, matched, waiting: earlier }) => {
        if (earlier) waiting += 1;
        if (!values.json) {
          stdout.write(`would send ${email} the ${digestKey} digest: ${papers} of ${matched} matching papers${earlier ? ' (planned by an earlier run, due again now)' : ''}\n`);
        }
      },
    }),
  );
  const line =
    `${summary.due} due, ${summary.sent} sent, ${summary.skipped} skipped (nothing new), ${summary.retried} retried, ` +
    `${summary.bounced} bounced, ${summary.failed} failed in ${summary.seconds} s`;
  progress?.finish();
  if (values.json) stdout.write(`${JSON.stringify({ now: now.toISOString(), dryRun, ...summary, ...(dryRun ? { waiting } : {}) })}\n`);
  else if (dryRun) stdout.write(`digest (dry run, nothing sent) at ${now.toISOString()}: ${line}; ${waiting} planned by earlier runs would be sent too\n`);
  else stdout.write(`digest at ${now.toISOString()}: ${line}\n`);
  if (summary.deferred > 0) stderr.write(`paperboy digest: the daily send quota is used up; ${summary.deferred} digests wait for the next run\n`);
  if (summary.relayRefusal !== null) {
    stderr.write(
      `paperboy digest: the SMTP relay refused our login or sender (${summary.relayRefusal}); check SMTP_URL's user name and password, and MAIL_FROM. The digests wait for the next run\n`,
    );
  } else if (summary.relayDown) stderr.write('paperboy digest: the SMTP relay could not be reached; the digests left wait for the next run\n');
  return summary.failed > 0 || summary.relayDown ? EXIT.failed : EXIT.ok;
};
