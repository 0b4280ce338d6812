import type { Db } from '../db/connection.js';
import { writeTransaction } from '../db/write-transaction.js';
import { decodeVector, encodeVector, type SparseVector, termCounts, tfidf } from './paper-vector.js';

/**
 * Stores each paper's vector when the paper is stored, and the document
 * frequencies its idf comes from. A vector is computed against the store as
 * it was at ingest and then never changes, so a reader's model fitted on
 * older papers keeps meaning the same thing.
 */
export class PaperVectorRepository {
  private readonly dfRow;
  private readonly bumpDf;
  private readonly countRow;
  private readonly bumpCount;
  private readonly upsertVector;
  private readonly vectorRows;
  private readonly missingRows;

  constructor(private readonly db: Db) {
    this.dfRow = db.prepare<[number], { df: number }>('SELECT df FROM vector_features WHERE feature = ?');
    this.bumpDf = db.prepare<[number]>('INSERT INTO vector_features (feature, df) VALUES (?, 1) ON CONFLICT (feature) DO UPDATE SET df = df + 1');
    this.countRow = db.prepare<[], { papers: number }>('SELECT papers FROM vector_state WHERE id = 1');
    this.bumpCount = db.prepare('UPDATE vector_state SET papers = papers + 1 WHERE id = 1');
    this.upsertVector = db.prepare<[number, Buffer]>('INSERT INTO paper_vectors (seq, vector) VALUES (?, ?) ON CONFLICT (seq) DO UPDATE SET vector = excluded.vector');
    this.vectorRows = db.prepare<[string], { seq: number; vector: Buffer }>(
      'SELECT seq, vector FROM paper_vectors WHERE seq IN (SELECT value FROM json_each(?))',
    );
    // Papers stored before vectors existed (or by an older version) get theirs on first use.
    this.missingRows = db.prepare<[string], { seq: number; title: string; abstract: string }>(
      'SELECT seq, title, abstract FROM papers WHERE seq IN (SELECT value FROM json_each(?)) AND seq NOT IN (SELECT seq FROM paper_vectors)',
    );
  }

  /**
   * Works out and stores a paper's vector. A new paper counts towards the
   * document frequencies; a changed text (`isNew` false) only gets a new
   * vector. Call inside the transaction that stores the paper.
   */
  record(seq: number, title: string, abstract: string, isNew: boolean): SparseVector {
    const counts = termCounts(title, abstract);
    if (isNew) {
      for (const feature of counts.keys()) this.bumpDf.run(feature);
      this.bumpCount.run();
    }
    const papers = this.countRow.get()?.papers ?? 0;
    const vector = tfidf(counts, (feature) => this.dfRow.get(feature)?.df ?? 0, Math.max(papers, 1));
    this.upsertVector.run(seq, encodeVector(vector));
    return vector;
  }

  /** The vectors of these papers; unknown papers are left out. */
  vectors(seqs: readonly number[]): Map<number, SparseVector> {
    const found = new Map<number, SparseVector>();
    if (seqs.length === 0) return found;
    const list = JSON.stringify(seqs);
    for (const row of this.vectorRows.all(list)) found.set(row.seq, decodeVector(row.vector));
    const missing = this.missingRows.all(list);
    if (missing.length > 0) {
      writeTransaction(this.db, () => {
        for (const row of missing) found.set(row.seq, this.record(row.seq, row.title, row.abstract, true));
      });
    }
    return found;
  }
}
