import type { Db } from '../db/connection.js';
import { AbbreviationRepository } from '../papers/abbreviation.repository.js';
import { resolveDefinitions } from './abbreviations.js';
import { GLOSSARY } from './glossary.js';
import { compileTopic, type CompiledTopic } from './topic-compiler.js';
import { TopicExpander, type Expansion } from './topic-expander.js';
import type { Topic } from './topic-grammar.js';
import { isFormOf, stemPrefixes, type WordForm, wordKey } from '../word-forms.js';

export interface TopicMatch {
  /** The paper's row number (`papers.seq`). */
  seq: number;
  /** BM25 relevance of the paper to the topic; higher is better, always > 0. */
  relevance: number;
}

export interface MatcherOptions {
  glossary?: readonly (readonly string[])[];
  /** How many papers must give a mined definition before topics use it. */
  minSupport?: number;
}

/** Papers must agree on a definition this often before it widens anyone's topic. */
export const MIN_DEFINITION_SUPPORT = 2;

/**
 * A paper that holds only other forms of the topic's words (a plural, an
 * ending the suffix rule strips) ranks below one that holds them as typed:
 * its BM25 is scaled by this.
 */
export const WIDENED_MATCH_WEIGHT = 0.6;

const keyOfWords = (words: readonly string[]) => words.filter(Boolean).map(wordKey).join(' ');

/** Compiled topics kept between runs; past this many the cache starts afresh. */
const CACHE_LIMIT = 10_000;

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
 * Runs topics against the unstemmed full-text index (`papers_exact`). The
 * query text comes only from topic-compiler.ts, which builds it from quoted
 * words. Each distinct topic is compiled (expanded) once and kept until the
 * mined definitions change, so a digest run pays for it once per topic and
 * nothing per subscriber.
 */
export class TopicMatcher {
  private readonly matchStatement;
  private readonly highlights;
  private readonly counter;
  private readonly abbreviations;
  private readonly glossary;
  private readonly minSupport;
  private readonly vocabulary;
  private readonly word;
  private readonly newestPaper;
  private expander: TopicExpander | null = null;
  private dictionaryVersion = -1;
  /** The newest paper when the cache was filled: a paper stored since may bring a new form of a word. */
  private vocabularyVersion = -1;
  private readonly compiled = new Map<string, CompiledTopic>();
  private readonly forms = new Map<string, readonly string[]>();
  private readonly words = new Map<string, boolean>();
  /** How many full-text queries ran; lets callers prove matching is shared. */
  queries = 0;

  constructor(db: Db, options: MatcherOptions = {}) {
    this.abbreviations = new AbbreviationRepository(db);
    // The words of the index, in order, read through FTS5's own vocabulary table (one per connection, made here).
    db.exec('CREATE VIRTUAL TABLE IF NOT EXISTS temp.papers_exact_vocab USING fts5vocab(main, papers_exact, row)');
    this.vocabulary = db.prepare<[string, string], { term: string }>('SELECT term FROM temp.papers_exact_vocab WHERE term >= ? AND term < ?');
    this.word = db.prepare<[string], { found: number }>('SELECT 1 AS found FROM temp.papers_exact_vocab WHERE term = ?');
    this.newestPaper = db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM papers');
    this.glossary = options.glossary ?? GLOSSARY;
    this.minSupport = options.minSupport ?? MIN_DEFINITION_SUPPORT;
    // The full-text MATCH drives the query; the other conditions only filter its hits.
    this.matchStatement = db.prepare<
      [{ query: string; exact: string; weight: number; limit: number; since: string | null; maxSeq: number | null }],
      TopicMatch
    >(`
      SELECT papers_exact.rowid AS seq,
             -bm25(papers_exact, ${WEIGHTS}) *
               CASE WHEN papers_exact.rowid IN (SELECT rowid FROM papers_exact WHERE papers_exact MATCH @exact)
                    THEN 1.0 ELSE @weight END AS relevance
      FROM papers_exact JOIN papers ON papers.seq = papers_exact.rowid
      WHERE papers_exact MATCH @query AND papers.withdrawn_at IS NULL
        AND (@since IS NULL OR papers.ingested_at >= @since)
        AND (@maxSeq IS NULL OR papers.seq <= @maxSeq)
      ORDER BY relevance DESC, seq DESC LIMIT @limit`);
    // Matched words come from FTS5's own highlighter, so they are exactly the
    // stemmed, whole-token hits the match used. The CAST matters: a JS number
    // binds as REAL, and FTS5 then ignores the rowid filter and returns every
    // match.
    this.highlights = db.prepare<[string, number], { text: string }>(`
      SELECT highlight(papers_exact, 0, '${MARK_START}', '${MARK_END}') || ' ' ||
             highlight(papers_exact, 1, '${MARK_START}', '${MARK_END}') || ' ' ||
             highlight(papers_exact, 2, '${MARK_START}', '${MARK_END}') || ' ' ||
             highlight(papers_exact, 3, '${MARK_START}', '${MARK_END}') AS text
      FROM papers_exact WHERE papers_exact MATCH ? AND rowid = CAST(? AS INTEGER)`);
    // Stops at the cap: counting a common word costs no more than the cap allows.
    this.counter = db.prepare<[string, number], { n: number }>(
      'SELECT count(*) AS n FROM (SELECT 1 FROM papers_exact WHERE papers_exact MATCH ? LIMIT ?)',
    );
  }

  /** How many papers the topic (with its expansions) touches, counted up to `cap` and no further. */
  countUpTo(topic: Topic, cap: number): number {
    return this.counter.get(this.compile(topic).query, cap)?.n ?? 0;
  }

  /**
   * The topic with its expansions, from the cache while the mined
   * definitions are unchanged (one indexed row read to check).
   */
  compile(topic: Topic): CompiledTopic {
    const version = this.abbreviations.version();
    if (version !== this.dictionaryVersion || !this.expander) {
      const mined = resolveDefinitions(this.abbreviations.definitionCounts(), this.minSupport);
      this.expander = new TopicExpander(this.glossary, mined.values());
      this.dictionaryVersion = version;
      this.compiled.clear();
    }
    const newest = this.newestPaper.get()?.seq ?? 0;
    if (newest !== this.vocabularyVersion) {
      this.vocabularyVersion = newest;
      this.compiled.clear();
      this.forms.clear();
      this.words.clear();
    }
    let compiled = this.compiled.get(topic.key);
    if (!compiled) {
      if (this.compiled.size >= CACHE_LIMIT) {
        this.compiled.clear();
        this.forms.clear();
        this.words.clear();
      }
      compiled = compileTopic(topic, this.expander, { formsOf: (form) => this.formsOf(form), has: (word) => this.has(word) });
      this.compiled.set(topic.key, compiled);
    }
    return compiled;
  }

  /** The index's words that are forms of a topic word with a stripped ending (see `isFormOf`), each stem read once. */
  private formsOf(form: WordForm): readonly string[] {
    const key = form.word;
    let found = this.forms.get(key);
    if (!found) {
      found = stemPrefixes(form)
        .flatMap((prefix) => this.vocabulary.all(prefix, `${prefix}\uffff`))
        .map((row) => row.term)
        .filter((term) => isFormOf(term, form));
      this.forms.set(key, found);
    }
    return found;
  }

  /** Whether the index holds the word, each word read once. */
  private has(word: string): boolean {
    let found = this.words.get(word);
    if (found === undefined) {
      found = this.word.get(word) !== undefined;
      this.words.set(word, found);
    }
    return found;
  }

  /** What the topic was widened with, for the "why it matched" text. */
  expansions(topic: Topic): Expansion[] {
    return this.compile(topic).expansions;
  }

  /**
   * The expansions that found this paper, as "from → to": those whose words
   * are all among the paper's matched words.
   */
  expansionsFor(topic: Topic, seq: number): string[] {
    const expansions = this.expansions(topic);
    if (expansions.length === 0) return [];
    // A highlighted run is one phrase as the paper writes it ("parameter-efficient fine-tuning").
    const runs = new Set(this.matchedTerms(topic, seq).map((term) => keyOfWords(term.split(/[^\p{L}\p{N}]+/u))));
    return expansions
      .filter((expansion) => runs.has(keyOfWords(expansion.words)))
      .map((expansion) => `${expansion.from} → ${expansion.to}`);
  }

  /** Papers the topic matches, most relevant first. */
  match(topic: Topic, options: MatchOptions = {}): TopicMatch[] {
    const compiled = this.compile(topic);
    this.queries += 1;
    return this.matchStatement.all({
      query: compiled.query,
      exact: compiled.exactQuery,
      weight: WIDENED_MATCH_WEIGHT,
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
    const row = this.highlights.get(this.compile(topic).query, seq);
    if (!row) return [];
    const terms = new Set<string>();
    for (const [, term] of row.text.matchAll(MARKED)) {
      if (term) terms.add(term.toLowerCase());
    }
    return [...terms];
  }
}
