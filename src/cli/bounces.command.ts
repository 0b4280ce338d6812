import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { ReportResult } from '../bounces/bounce.service.js';
import { parseMailboxMessage } from '../bounces/mailbox-report.js';
import { ReportFormatError } from '../bounces/mail-report.js';
import { type Command, EXIT, parseLimit, UsageError } from './command.js';
import { cliLogger, withServices } from './digest-services.js';

const HELP = `Usage: paperboy bounces [--file MESSAGE.eml]
       paperboy bounces --list [--limit N] [--json]

Reads one message from the bounce mailbox (from --file, or from stdin so an
MTA can pipe to it): an RFC 3464 delivery status notification, an RFC 5965
(ARF) complaint, or an unsubscribe request sent to UNSUBSCRIBE_MAILBOX.
A hard bounce or a complaint stops mail to the address at once; soft bounces
are counted. Every report is stored. --list shows the latest reports.

Exit codes: 0 done, 2 not a report, 75 try again later (the MTA retries).`;

/** A DSN carries at most the bounced digest (a few hundred kB); anything far larger is not one. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** sysexits.h EX_TEMPFAIL: Postfix and other MTAs keep the message and pipe it again later. */
const TEMPFAIL = 75;

export const bouncesCommand: Command = async (args, { config, stdout, stderr }) => {
  const { values, positionals } = parseArgs({
    args,
    options: {
      file: { type: 'string' },
      list: { type: 'boolean', default: false },
      limit: { type: 'string', default: '20' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"; give the message with --file`);
  const logger = cliLogger((line) => stderr.write(`${line}\n`));

  if (values.list) {
    const limit = parseLimit(values.limit, 1000);
    return withServices(config, logger, async ({ mailReports }) => {
      const reports = mailReports.recent(limit);
      if (values.json) stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
      else if (reports.length === 0) stdout.write('No bounce or complaint has been reported.\n');
      else for (const r of reports) stdout.write(`${r.receivedAt}  #${r.id} ${r.source} ${r.kind} ${r.email ?? '(unknown address)'}: ${r.outcome}  ${r.detail}\n`);
      return EXIT.ok;
    });
  }

  const raw = await readMessage(values.file);
  let message;
  try {
    message = parseMailboxMessage(raw);
  } catch (err) {
    if (err instanceof ReportFormatError) throw new UsageError(err.message);
    throw err;
  }
  try {
    return await withServices(config, logger, async ({ bounces, subscriptions }) => {
      if (message.type === 'unsubscribe') {
        const subscriber = subscriptions.fromToken('unsubscribe', message.token);
        if (!subscriber) throw new UsageError('the unsubscribe request carries no valid token; nothing changed');
        subscriptions.unsubscribe(subscriber);
        stdout.write(`unsubscribed ${subscriber.email} at their request (mailto List-Unsubscribe)\n`);
        return EXIT.ok;
      }
      const result = bounces.record(message.report, new Date());
      stdout.write(describe(message.report.kind, result));
      return EXIT.ok;
    });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    // A locked or missing database is worth another try; the MTA keeps the message.
    stderr.write(`paperboy bounces: could not record the report, try again later: ${(err as Error).message}\n`);
    return TEMPFAIL;
  }
};

async function readMessage(file: string | undefined): Promise<Buffer> {
  if (file !== undefined && file !== '-') {
    let size;
    try {
      size = fs.statSync(file).size;
    } catch {
      throw new UsageError(`cannot read ${file}: no such file`);
    }
    if (size > MAX_MESSAGE_BYTES) throw new UsageError(`${file} is larger than 10 MB; that is not a bounce report`);
    return fs.readFileSync(file);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_MESSAGE_BYTES) throw new UsageError('the message on stdin is larger than 10 MB; that is not a bounce report');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) throw new UsageError('no message: give one with --file MESSAGE.eml or pipe it to stdin');
  return Buffer.concat(chunks);
}

function describe(kind: string, result: ReportResult): string {
  if (!result.stored) return 'this report was recorded before; nothing changed\n';
  return result.targets
    .map((t) => `${kind} ${t.email ?? '(unknown address)'}: ${t.outcome}${t.deliveryId !== null ? ` (delivery ${t.deliveryId})` : ''}\n`)
    .join('');
}
bouncesCommand.help = HELP;
