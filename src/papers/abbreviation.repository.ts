import type { Db } from '../db/connection.js';
import { writeTransaction } from '../db/write-transaction.js';
import { findDefinitions, type DefinitionCount } from './abbreviations.js';

/**
 * The "long form (ABBR)" definitions papers give, one row per paper and
 * definition (migrations/0004_relevance.sql), so support counts papers.
 */
export class AbbreviationRepository {
  private readonly clear;
  private readonly insert;
  private readonly counts;
  private readonly versionRow;
  private readonly unmined;
  private readonly markMined;
  private readonly allPapers;

  constructor(private readonly db: Db) {
    this.clear = db.prepare<[number]>('DELETE FROM paper_abbreviations WHERE seq = ?');
    this.insert = db.prepare<[number, string, string]>('INSERT OR IGNORE INTO paper_abbreviations (seq, abbr, long_form) VALUES (?, ?, ?)');
    this.counts = db.prepare<[], DefinitionCount>(
      'SELECT abbr, long_form AS longForm, count(*) AS papers FROM paper_abbreviations GROUP BY abbr, long_form',
    );
    this.versionRow = db.prepare<[], { version: number }>('SELECT version FROM abbreviation_state WHERE id = 1');
    this.unmined = db.prepare<[], { mined: number }>('SELECT mined FROM abbreviation_state WHERE id = 1');
    this.markMined = db.prepare('UPDATE abbreviation_state SET mined = 1 WHERE id = 1');
    this.allPapers = db.prepare<[], { seq: number; title: string; abstract: string }>('SELECT seq, title, abstract FROM papers');
  }

  /** Replaces what one paper defines. Call inside the transaction that stores the paper. */
  record(seq: number, title: string, abstract: string): void {
    this.clear.run(seq);
    for (const { abbr, longForm } of findDefinitions(`${title}.\n${abstract}`)) this.insert.run(seq, abbr, longForm);
  }

  /** How many papers give each definition. */
  definitionCounts(): DefinitionCount[] {
    return this.counts.all();
  }

  /** Changes whenever a definition is added or removed. */
  version(): number {
    return this.versionRow.get()?.version ?? 0;
  }

  /** Mines the papers stored before definitions were collected; a no-op once done. */
  backfill(): void {
    if (this.unmined.get()?.mined !== 0) return;
    writeTransaction(this.db, () => {
      // Asked again under the write lock: another process may have mined them while this one waited.
      if (this.unmined.get()?.mined !== 0) return;
      for (const paper of this.allPapers.all()) this.record(paper.seq, paper.title, paper.abstract);
      this.markMined.run();
    });
  }
}
