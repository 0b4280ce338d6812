import type { Db } from '../db/connection.js';
import type { Topic } from './topic-grammar.js';

export interface TopicMatch {
  /** The paper's row number (`papers.seq`). */
  seq: number;
  /** BM25 relevance of the paper to the topic; higher is better, always > 0. */
  relevance: number;
}

export interface MatchOptions {
  /** Only papers first stored at or after this ISO time. */
  ingestedSince?: string;
  /**
   * Only papers up to this row number. A digest run fixes it before matching,
   * so a paper stored mid-run is left wholly to the next digest.
   */
  maxSeq?: number;
  /** Keep the most relevant N matches; ranking then orders them. */
  limit?: number;
}

/**
 * Column weights for BM25, in index order: title, abstract, authors,
 * keywords. A word in the title says more about a paper than one in the
 * abstract.
 */
const WEIGHTS = '4.0, 1.0, 1.0, 2.0';
const MARK_START = '\u0001';
const MARK_END = '\u0002';
// Ingest strips control characters from paper text, so these markers are unambiguous.
// eslint-disable-next-line no-control-regex
const MARKED = /\u0001([^\u0002]*)\u0002/g;

/**
 * Runs compiled topics against the full-text index. The query text comes
 * only from `Topic.query`, which the grammar builds from quoted words.
 */
export class TopicMatcher {
  private readonly matchStatement;
  private readonly highlights;
  private readonly counter;
  /** How many full-text queries ran; lets callers prove matching is shared. */
  queries = 0;

  constructor(db: Db) {
    // The full-text MATCH drives the query; the other conditions only filter its hits.
    this.matchStatement = db.prepare<[{ query: string; limit: number; since: string | null; maxSeq: number | null }], TopicMatch>(`
      SELECT papers_fts.rowid AS seq, -bm25(papers_fts, ${WEIGHTS}) AS relevance
      FROM papers_fts JOIN papers ON papers.seq = papers_fts.rowid
      WHERE papers_fts MATCH @query AND papers.withdrawn_at IS NULL
        AND (@since IS NULL OR papers.ingested_at >= @since)
        AND (@maxSeq IS NULL OR papers.seq <= @maxSeq)
      ORDER BY relevance DESC, seq DESC LIMIT @limit`);
    // Matched words come from FTS5's own highlighter, so they are exactly the
    // stemmed, whole-token hits the match used. The CAST matters: a JS number
    // binds as REAL, and FTS5 then ignores the rowid filter and returns every
    // match.
    this.highlights = db.prepare<[string, number], { text: string }>(`
      SELECT highlight(papers_fts, 0, '${MARK_START}', '${MARK_END}') || ' ' ||
             highlight(papers_fts, 1, '${MARK_START}', '${MARK_END}') || ' ' ||
             highlight(papers_fts, 2, '${MARK_START}', '${MARK_END}') || ' ' ||
             highlight(papers_fts, 3, '${MARK_START}', '${MARK_END}') AS text
      FROM papers_fts WHERE papers_fts MATCH ? AND rowid = CAST(? AS INTEGER)`);
    // Stops at the cap: counting a common word costs no more than the cap allows.
    this.counter = db.prepare<[string, number], { n: number }>(
      'SELECT count(*) AS n FROM (SELECT 1 FROM papers_fts WHERE papers_fts MATCH ? LIMIT ?)',
    );
  }

  /** How many papers the topic touches, counted up to `cap` and no further. */
  countUpTo(topic: Topic, cap: number): number {
    return this.counter.get(topic.query, cap)?.n ?? 0;
  }

  /** Papers the topic matches, most relevant first. */
  match(topic: Topic, options: MatchOptions = {}): TopicMatch[] {
    this.queries += 1;
    return this.matchStatement.all({
      query: topic.query,
      limit: options.limit ?? -1,
      since: options.ingestedSince ?? null,
      maxSeq: options.maxSeq ?? null,
    });
  }

  /**
   * The words of one paper that the topic matched, as they are written in
   * the paper ("quantized" for the topic word "quantization"), lower-cased,
   * each once, in the order they first appear.
   */
  matchedTerms(topic: Topic, seq: number): string[] {
    const row = this.highlights.get(topic.query, seq);
    if (!row) return [];
    const terms = new Set<string>();
    for (const [, term] of row.text.matchAll(MARKED)) {
      if (term) terms.add(term.toLowerCase());
    }
    return [...terms];
  }
}
