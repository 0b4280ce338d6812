import { explainDatabaseError, openDatabase, type Db } from './db/connection.js';
import { migrate, type MigrateResult } from './db/migrate.js';
import { AbbreviationRepository } from './papers/abbreviation.repository.js';
import { ingestPapers, type IngestResult } from './papers/ingest.js';
import { PaperRepository } from './papers/paper.repository.js';
import { readSeedPapers } from './papers/sources/seed.source.js';

export interface OpenedStore {
  db: Db;
  migration: MigrateResult;
  /** Set when the store was empty and the seed papers were loaded into it. */
  seeded: IngestResult | null;
}

/**
 * Opens the database and brings its schema up to date. With `seedIfEmpty`,
 * a store with no papers gets the seed papers, so a new install shows real
 * papers at once.
 */
export function openStore(databasePath: string, { seedIfEmpty }: { seedIfEmpty: boolean }): OpenedStore {
  let db: Db | undefined;
  try {
    db = openDatabase(databasePath);
    const migration = migrate(db);
    const papers = new PaperRepository(db);
    new AbbreviationRepository(db).backfill();
    const seeded = seedIfEmpty && papers.count() === 0 ? seed(papers) : null;
    return { db, migration, seeded };
  } catch (err) {
    db?.close();
    throw explainDatabaseError(err, databasePath);
  }
}

/** The seed papers, stored as an ingest run stores a page, then merged into one search index segment as a run's end does. */
function seed(papers: PaperRepository): IngestResult {
  const result = ingestPapers(papers, readSeedPapers());
  papers.mergeSearchIndex();
  return result;
}
