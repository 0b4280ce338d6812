import { parseArgs } from 'node:util';
import { describeRunCounts, duration } from '../runs/run-view.js';
import { RunRepository, type RunKind } from '../runs/run.repository.js';
import { openStore } from '../store.js';
import { type Command, EXIT, parseLimit, UsageError } from './command.js';

const USAGE = `Usage: paperboy runs [--kind digest|ingest] [--limit N] [--json]

The newest digest and ingest runs, scheduled or from the CLI: when each
started, how long it took, its outcome and its counts.`;

export const runsCommand: Command = async (args, { config, stdout }) => {
  const { values, positionals } = parseArgs({
    args,
    options: { kind: { type: 'string' }, limit: { type: 'string', default: '20' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.kind !== undefined && values.kind !== 'digest' && values.kind !== 'ingest') {
    throw new UsageError(`--kind must be digest or ingest (got "${values.kind}")`);
  }
  const limit = parseLimit(values.limit, 1000);
  const { db } = openStore(config.databasePath, { seedIfEmpty: false });
  try {
    const runs = new RunRepository(db).recent(limit, values.kind as RunKind | undefined);
    if (values.json) {
      stdout.write(`${JSON.stringify(runs)}\n`);
      return EXIT.ok;
    }
    if (runs.length === 0) {
      stdout.write('no runs recorded yet\n');
      return EXIT.ok;
    }
    for (const run of runs) {
      const what = run.kind === 'ingest' ? `ingest ${run.source ?? ''}`.trim() : 'digest';
      const error = run.error ? ` (${run.error})` : '';
      stdout.write(`#${run.id}  ${run.startedAt}  ${what.padEnd(13)} ${run.trigger.padEnd(8)} ${run.outcome.padEnd(7)} ${duration(run).padStart(9)}  ${describeRunCounts(run.counts)}${error}\n`);
    }
    return EXIT.ok;
  } finally {
    db.close();
  }
};
runsCommand.help = USAGE;
