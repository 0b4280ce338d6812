import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { describeCounts, runIngest } from '../papers/ingest-run.js';
import { PaperRepository } from '../papers/paper.repository.js';
import { createHttpClient, type RetryEvent } from '../papers/sources/http-client.js';
import { createPacer } from '../papers/sources/pacer.js';
import { findSource, type PaperSourceEntry, SOURCE_NAMES } from '../papers/sources/registry.js';
import type { PaperFeed } from '../papers/sources/source.js';
import { ingestReport, RunHistory } from '../runs/run-history.js';
import { RunRepository } from '../runs/run.repository.js';
import { openStore } from '../store.js';
import { oneLine, printable } from '../text.js';
import { type Command, EXIT, UsageError } from './command.js';
import { createProgress, type Progress } from './progress.js';

interface IngestArgs {
  source: PaperSourceEntry;
  file: string | undefined;
  date: string | undefined;
}

/** A real UTC calendar day written YYYY-MM-DD: 2024-02-30 is refused, not rolled over. */
function checkDate(value: string): string {
  // Month 13 or day 45 is no date at all (NaN, where toISOString would throw); 30 February rolls over to March.
  const at = Date.parse(`${value}T00:00:00Z`);
  const real = /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(at) && new Date(at).toISOString().startsWith(value);
  if (!real) throw new UsageError(`--date must be a real day written YYYY-MM-DD, such as 2024-10-25 (got "${value}")`);
  return value;
}

function readArgs(args: string[]): IngestArgs {
  const { values, positionals } = parseArgs({
    args,
    options: { source: { type: 'string' }, file: { type: 'string' }, date: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!values.source) throw new UsageError(`ingest needs --source (${SOURCE_NAMES.join(', ')})`);
  const source = findSource(values.source);
  if (!source) throw new UsageError(`unknown source "${values.source}"; choose one of: ${SOURCE_NAMES.join(', ')}`);
  if (values.date !== undefined && 'undated' in source) {
    throw new UsageError(`--date does not apply to the ${source.name} source: ${source.undated}`);
  }
  if (values.date !== undefined && values.file !== undefined) {
    throw new UsageError('--date and --file do not go together: a saved response is already one day');
  }
  return { source, file: values.file, date: values.date === undefined ? undefined : checkDate(values.date) };
}

/** The feed to read; a saved file is read (and its errors reported) before anything is stored. */
function openFeed({ source, file, date }: IngestArgs, config: Config, onRetry: (event: RetryEvent) => void): PaperFeed {
  if (file !== undefined) return source.fromFile(path.resolve(file), config);
  const http = createHttpClient({ timeoutMs: config.sourceTimeoutMs, onRetry });
  const pacer = createPacer(source.spacingMs);
  return source.read({ settings: config, http, pacer, now: new Date() }, date);
}

export const ingestCommand: Command = async (args, { config, stdout, stderr }) => {
  const options = readArgs(args);
  let progress: Progress | undefined;
  const feed = openFeed(options, config, ({ attempt, attempts, delayMs, reason }) =>
    progress?.note(`${reason}; retrying in ${(delayMs / 1000).toFixed(1)} s (try ${attempt + 1} of ${attempts})`),
  );

  const { db } = openStore(config.databasePath, { seedIfEmpty: false });
  try {
    progress = createProgress(`ingest ${options.source.name}`, feed.total, stderr);
    const bar = progress;
    const history = new RunHistory(new RunRepository(db), 'cli');
    const read = () => runIngest(new PaperRepository(db), feed.pages, { onPage: (entries) => bar.advance(entries) });
    const result = await history.record('ingest', feed.source, read, ingestReport);
    bar.finish();
    // Ids and reasons quote what the source sent: escaped, they cannot drive the terminal.
    for (const { id, reason } of result.rejected) stderr.write(`rejected ${printable(id)}: ${printable(reason)}\n`);
    if (result.failure) {
      // What was stored before the failure, said once, beside the failure rather than as a success on stdout.
      stderr.write(`ingest ${options.source.name}: ${describeCounts(result)}\n`);
      stderr.write(`paperboy ingest: ${options.source.name} failed: ${printable(oneLine(result.failure.message))}\n`);
      return EXIT.failed;
    }
    stdout.write(`${options.source.name}: ${describeCounts(result)}\n`);
    return EXIT.ok;
  } finally {
    db.close();
  }
};
