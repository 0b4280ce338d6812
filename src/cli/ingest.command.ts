import path from 'node:path';
import { parseArgs } from 'node:util';
import { ingestPapers, type IngestResult } from '../papers/ingest.js';
import type { PaperInput } from '../papers/paper.js';
import { PaperRepository } from '../papers/paper.repository.js';
import { readSeedPapers } from '../papers/sources/seed.source.js';
import { openStore } from '../store.js';
import { type Command, EXIT, UsageError } from './command.js';
import { createProgress } from './progress.js';

const SOURCES = ['seed'] as const;

/** Papers are stored a batch at a time: each batch is one transaction and one step of the bar. */
const BATCH = 25;

function readSource(source: string, file: string | undefined): PaperInput[] {
  switch (source) {
    case 'seed':
      return file ? readSeedPapers(path.resolve(file)) : readSeedPapers();
    default:
      throw new UsageError(`unknown source "${source}"; choose one of: ${SOURCES.join(', ')}`);
  }
}

export const ingestCommand: Command = async (args, { config, stdout, stderr }) => {
  const { values, positionals } = parseArgs({
    args,
    options: { source: { type: 'string' }, file: { type: 'string' }, date: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!values.source) throw new UsageError(`ingest needs --source (${SOURCES.join(', ')})`);
  if (values.date !== undefined && values.source === 'seed') {
    throw new UsageError('--date does not apply to the seed source: the seed page is a fixed snapshot');
  }

  const papers = readSource(values.source, values.file);
  const { db } = openStore(config.databasePath, { seedIfEmpty: false });
  try {
    const repo = new PaperRepository(db);
    const total: IngestResult = { added: 0, updated: 0, unchanged: 0, rejected: [] };
    const progress = createProgress(`ingest ${values.source}`, papers.length, stderr);
    for (let i = 0; i < papers.length; i += BATCH) {
      const batch = papers.slice(i, i + BATCH);
      const result = ingestPapers(repo, batch);
      total.added += result.added;
      total.updated += result.updated;
      total.unchanged += result.unchanged;
      total.rejected.push(...result.rejected);
      progress.advance(batch.length);
    }
    const summary = `${total.added} added, ${total.updated} updated, ${total.unchanged} unchanged, ${total.rejected.length} rejected`;
    progress.finish(summary);
    for (const { id, reason } of total.rejected) stderr.write(`rejected ${id}: ${reason}\n`);
    stdout.write(`${values.source}: ${summary}\n`);
    return EXIT.ok;
  } finally {
    db.close();
  }
};
