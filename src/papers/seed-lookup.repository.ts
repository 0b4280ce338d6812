import type { Db } from '../db/connection.js';

/** A seed paper not yet looked up on arXiv. */
export interface PendingSeed {
  id: string;
  title: string;
}

/** Which seed papers were looked up on arXiv, and what they turned out to be. */
export class SeedLookupRepository {
  private readonly pendingRows;
  private readonly insertRow;

  constructor(db: Db) {
    // Oldest first, so every seed paper gets its turn across runs; a seed id has no arXiv id by construction.
    this.pendingRows = db.prepare<[number], PendingSeed>(`
      SELECT id, title FROM papers
      WHERE source = 'seed' AND id LIKE 'seed-%' AND id NOT IN (SELECT seed_id FROM seed_lookups)
      ORDER BY seq LIMIT ?`);
    this.insertRow = db.prepare<[string, string | null, string]>(
      'INSERT INTO seed_lookups (seed_id, arxiv_id, looked_up_at) VALUES (?, ?, ?) ON CONFLICT (seed_id) DO NOTHING',
    );
  }

  pending(limit: number): PendingSeed[] {
    return this.pendingRows.all(limit);
  }

  /** Remembers a lookup's answer: the arXiv id, or null when arXiv has no such title. */
  record(seedId: string, arxivId: string | null, now: string): void {
    this.insertRow.run(seedId, arxivId, now);
  }
}
