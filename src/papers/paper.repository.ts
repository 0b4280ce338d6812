import type { Db } from '../db/connection.js';
import { writeTransaction } from '../db/write-transaction.js';
import { AbbreviationRepository } from './abbreviation.repository.js';
import { PaperVectorRepository } from './paper-vector.repository.js';
import type { Paper, PaperInput, PaperSource } from './paper.js';
import { PAPER_SOURCES } from './sources/registry.js';

interface PaperRow {
  seq: number;
  id: string;
  source: Paper['source'];
  title: string;
  abstract: string;
  authors: string;
  keywords: string;
  categories: string;
  published_at: string | null;
  ingested_at: string;
  updated_at: string;
  upvotes: number | null;
  page_url: string | null;
  pdf_url: string | null;
  code_url: string | null;
  project_url: string | null;
  thumbnail_url: string | null;
  ai_summary: string | null;
  withdrawn_at: string | null;
}

/** A stored paper with its row number, which the full-text index refers to. */
export interface StoredPaper extends Paper {
  seq: number;
}

export type UpsertOutcome = 'added' | 'updated' | 'unchanged';

const COLUMNS = `seq, id, source, title, abstract, authors, keywords, categories, published_at, ingested_at,
  updated_at, upvotes, page_url, pdf_url, code_url, project_url, thumbnail_url, ai_summary, withdrawn_at`;

function toPaper(row: PaperRow): StoredPaper {
  return {
    seq: row.seq,
    id: row.id,
    source: row.source,
    title: row.title,
    abstract: row.abstract,
    authors: JSON.parse(row.authors) as string[],
    keywords: JSON.parse(row.keywords) as string[],
    categories: JSON.parse(row.categories) as string[],
    publishedAt: row.published_at,
    ingestedAt: row.ingested_at,
    updatedAt: row.updated_at,
    upvotes: row.upvotes,
    pageUrl: row.page_url,
    pdfUrl: row.pdf_url,
    codeUrl: row.code_url,
    projectUrl: row.project_url,
    thumbnailUrl: row.thumbnail_url,
    aiSummary: row.ai_summary,
    withdrawnAt: row.withdrawn_at,
  };
}

/** How much a source's word counts when two disagree: the registry says, and why. */
const PRECEDENCE = new Map<PaperSource, number>(PAPER_SOURCES.map((source) => [source.name, source.precedence]));
const precedence = (source: PaperSource) => PRECEDENCE.get(source) ?? -1;

/**
 * What a new sighting of a paper changes. A source that does not know a
 * field (null, or an empty list) never erases what another source said. A
 * source ranked at least as high as the stored one updates what it knows
 * (upvotes, links, text); a lower one only fills gaps, so arXiv re-ingesting
 * a paper Hugging Face gave never replaces its page link or title. The stored
 * source is the highest that has seen the paper; the first ingest time is kept.
 */
function merge(old: StoredPaper, next: PaperInput): PaperInput {
  const leads = precedence(next.source) >= precedence(old.source);
  const [first, second] = leads ? ([next, old] as const) : ([old, next] as const);
  const list = (key: 'authors' | 'keywords' | 'categories') => (first[key].length > 0 ? first[key] : second[key]);
  return {
    id: old.id,
    source: leads ? next.source : old.source,
    title: first.title || second.title,
    abstract: first.abstract || second.abstract,
    authors: list('authors'),
    keywords: list('keywords'),
    categories: list('categories'),
    publishedAt: first.publishedAt ?? second.publishedAt,
    upvotes: first.upvotes ?? second.upvotes,
    pageUrl: first.pageUrl ?? second.pageUrl,
    pdfUrl: first.pdfUrl ?? second.pdfUrl,
    codeUrl: first.codeUrl ?? second.codeUrl,
    projectUrl: first.projectUrl ?? second.projectUrl,
    thumbnailUrl: first.thumbnailUrl ?? second.thumbnailUrl,
    aiSummary: first.aiSummary ?? second.aiSummary,
    // Once withdrawn, a paper stays withdrawn, whichever source said so.
    withdrawnAt: old.withdrawnAt ?? next.withdrawnAt,
  };
}

function params(paper: PaperInput) {
  return {
    id: paper.id,
    source: paper.source,
    title: paper.title,
    abstract: paper.abstract,
    authors: JSON.stringify(paper.authors),
    keywords: JSON.stringify(paper.keywords),
    categories: JSON.stringify(paper.categories),
    published_at: paper.publishedAt,
    upvotes: paper.upvotes,
    page_url: paper.pageUrl,
    pdf_url: paper.pdfUrl,
    code_url: paper.codeUrl,
    project_url: paper.projectUrl,
    thumbnail_url: paper.thumbnailUrl,
    ai_summary: paper.aiSummary,
    withdrawn_at: paper.withdrawnAt,
  };
}

type Params = ReturnType<typeof params>;

/** The full-text indexes over papers: stemmed (papers_fts) and as written (papers_exact). */
const SEARCH_INDEXES = ['papers_fts', 'papers_exact'] as const;

/** A title as two sources may both write it: case, accents' composition, punctuation and spacing set aside. */
const titleKey = (title: string) =>
  title
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** FTS5 pages (1,000 bytes each by default) a merge step writes per index: a few milliseconds of work. */
export const MERGE_STEP_PAGES = 200;

export class PaperRepository {
  private readonly byId;
  private readonly bySeq;
  private readonly insertRow;
  private readonly updateRow;
  private readonly countRows;
  private readonly maxSeqRow;
  private readonly seedAlias;
  private readonly unresolvedSeeds;
  private readonly recordSeedTwin;
  /** Unresolved seed papers by title key, read when first needed: there are a few dozen. */
  private seedTwins: Map<string, string> | null = null;
  private readonly renameRow;
  private readonly recentRows;
  private readonly mergeRuns;
  private readonly totalChanges;
  private readonly abbreviations;
  private readonly vectors;

  constructor(private readonly db: Db) {
    this.abbreviations = new AbbreviationRepository(db);
    this.vectors = new PaperVectorRepository(db);
    this.byId = db.prepare<[string], PaperRow>(`SELECT ${COLUMNS} FROM papers WHERE id = ?`);
    this.bySeq = db.prepare<[string], PaperRow>(`SELECT ${COLUMNS} FROM papers WHERE seq IN (SELECT value FROM json_each(?))`);
    this.insertRow = db.prepare<[Params & { now: string }]>(`
      INSERT INTO papers (id, source, title, abstract, authors, keywords, categories, published_at, ingested_at,
        updated_at, upvotes, page_url, pdf_url, code_url, project_url, thumbnail_url, ai_summary, withdrawn_at)
      VALUES (@id, @source, @title, @abstract, @authors, @keywords, @categories, @published_at, @now,
        @now, @upvotes, @page_url, @pdf_url, @code_url, @project_url, @thumbnail_url, @ai_summary, @withdrawn_at)`);
    this.updateRow = db.prepare<[Params & { now: string }]>(`
      UPDATE papers SET source = @source, title = @title, abstract = @abstract, authors = @authors, keywords = @keywords,
        categories = @categories, published_at = @published_at, upvotes = @upvotes, page_url = @page_url,
        pdf_url = @pdf_url, code_url = @code_url, project_url = @project_url, thumbnail_url = @thumbnail_url,
        ai_summary = @ai_summary, withdrawn_at = @withdrawn_at, updated_at = @now
      WHERE id = @id`);
    this.countRows = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM papers');
    this.maxSeqRow = db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM papers');
    this.seedAlias = db.prepare<[string], { arxivId: string }>('SELECT arxiv_id AS arxivId FROM seed_lookups WHERE seed_id = ? AND arxiv_id IS NOT NULL');
    this.unresolvedSeeds = db.prepare<[], { id: string; title: string }>(
      "SELECT id, title FROM papers WHERE source = 'seed' AND id LIKE 'seed-%' AND id NOT IN (SELECT seed_id FROM seed_lookups WHERE arxiv_id IS NOT NULL)",
    );
    this.recordSeedTwin = db.prepare<[{ seed: string; arxiv: string; now: string }]>(`
      INSERT INTO seed_lookups (seed_id, arxiv_id, looked_up_at) VALUES (@seed, @arxiv, @now)
      ON CONFLICT (seed_id) DO UPDATE SET arxiv_id = excluded.arxiv_id, looked_up_at = excluded.looked_up_at`);
    // Only when no row has the new id yet: ids stay unique, and a paper another source already stored keeps its row.
    this.renameRow = db.prepare<[{ from: string; to: string }]>('UPDATE papers SET id = @to WHERE id = @from AND NOT EXISTS (SELECT 1 FROM papers WHERE id = @to)');
    // The candidates for "You may also like": the run's newest papers, most upvoted first.
    this.recentRows = db.prepare<[string, number, number], { seq: number }>(`
      SELECT seq FROM papers WHERE ingested_at >= ? AND seq <= ? AND withdrawn_at IS NULL
      ORDER BY coalesce(upvotes, 0) DESC, seq DESC LIMIT ?`);
    this.mergeRuns = SEARCH_INDEXES.map((index) => db.prepare<[number]>(`INSERT INTO ${index} (${index}, rank) VALUES ('merge', ?)`));
    this.totalChanges = db.prepare<[], { n: number }>('SELECT total_changes() AS n');
  }

  findById(id: string): StoredPaper | null {
    const row = this.byId.get(id);
    return row ? toPaper(row) : null;
  }

  /** Papers by row number, in no particular order; unknown numbers are left out. */
  findBySeqs(seqs: readonly number[]): StoredPaper[] {
    return seqs.length === 0 ? [] : this.bySeq.all(JSON.stringify(seqs)).map(toPaper);
  }

  count(): number {
    return this.countRows.get()?.n ?? 0;
  }

  /** The highest row number now; every paper stored later gets a higher one. */
  maxSeq(): number {
    return this.maxSeqRow.get()?.seq ?? 0;
  }

  /**
   * Gives a stored paper a new id (a seed paper its arXiv id), keeping its row
   * number, so what was sent and matched still points at it. False when no
   * paper has `from`, or one already has `to`.
   */
  rename(from: string, to: string): boolean {
    return this.renameRow.run({ from, to }).changes === 1;
  }

  /** Papers stored since `since` up to row `maxSeq` and not withdrawn, most upvoted first, at most `limit`. */
  recentSeqs(since: string, maxSeq: number, limit: number): number[] {
    return this.recentRows.all(since, maxSeq, limit).map((row) => row.seq);
  }

  /** Inserts a new paper, or merges a known one. Call inside a transaction when storing many. */
  upsert(input: PaperInput, now: string): UpsertOutcome {
    // A seed paper resolved on arXiv lives under its arXiv id; the seed file still names it by its seed id.
    const alias = input.source === 'seed' ? this.seedAlias.get(input.id)?.arxivId : undefined;
    const paper = alias ? { ...input, id: alias } : input;
    const old = this.findById(paper.id) ?? this.adoptSeedTwin(paper, now);
    if (!old) {
      if (paper.source === 'seed') this.seedTwins = null;
      const { lastInsertRowid } = this.insertRow.run({ ...params(paper), now });
      this.abbreviations.record(Number(lastInsertRowid), paper.title, paper.abstract);
      this.vectors.record(Number(lastInsertRowid), paper.title, paper.abstract, true);
      return 'added';
    }
    const merged = params(merge(old, paper));
    const before = params(old);
    const changed = (Object.keys(merged) as Array<keyof Params>).some((key) => merged[key] !== before[key]);
    if (!changed) return 'unchanged';
    this.updateRow.run({ ...merged, now });
    if (merged.title !== before.title || merged.abstract !== before.abstract) {
      this.abbreviations.record(old.seq, merged.title, merged.abstract);
      this.vectors.record(old.seq, merged.title, merged.abstract, false);
    }
    return 'updated';
  }

  /**
   * A new paper from a real source whose title is that of a seed paper not
   * yet resolved on arXiv: the seed's row takes the paper's id, as the seed
   * resolver would have done, so the paper stays one row, and a reader who
   * was sent the seed card is never sent it again. Returns that row, or null.
   */
  private adoptSeedTwin(paper: PaperInput, now: string): StoredPaper | null {
    if (paper.source === 'seed') return null;
    this.seedTwins ??= new Map(this.unresolvedSeeds.all().map((seed) => [titleKey(seed.title), seed.id]));
    const key = titleKey(paper.title);
    const seedId = this.seedTwins.get(key);
    if (seedId === undefined || !this.rename(seedId, paper.id)) return null;
    this.seedTwins.delete(key);
    // The seed file still names it by its seed id: a later seed ingest lands here too, and arXiv is never asked.
    this.recordSeedTwin.run({ seed: seedId, arxiv: paper.id, now });
    return this.findById(paper.id);
  }

  /** Runs `work` in one transaction (a savepoint inside another). */
  atomically(work: () => void): void {
    writeTransaction(this.db, work);
  }

  /**
   * One bounded step of merging the full-text indexes' segments, each in its
   * own short transaction: FTS5 writes about MERGE_STEP_PAGES pages of merged
   * index per index and step. True while there was work, so a caller repeats
   * it until false (see mergeSearchIndex), yielding in between if it serves
   * requests. FTS5 tells whether a merge did anything only through the
   * connection's change count: it rises by two or more when it did.
   */
  mergeSearchIndexStep(): boolean {
    let worked = false;
    for (const merge of this.mergeRuns) {
      const before = this.totalChanges.get()!.n;
      writeTransaction(this.db, () => merge.run(MERGE_STEP_PAGES));
      if (this.totalChanges.get()!.n - before >= 2) worked = true;
    }
    return worked;
  }

  /** Merges the full-text indexes to at most one segment per level, in one go: for stores no request waits on. */
  mergeSearchIndex(): void {
    while (this.mergeSearchIndexStep());
  }

  /** Stores a batch in one transaction: all of it, or (on error) none of it. */
  upsertMany(papers: readonly PaperInput[], now: string): Record<UpsertOutcome, number> {
    const counts: Record<UpsertOutcome, number> = { added: 0, updated: 0, unchanged: 0 };
    writeTransaction(this.db, () => {
      for (const paper of papers) counts[this.upsert(paper, now)] += 1;
    });
    return counts;
  }
}
