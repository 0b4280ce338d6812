import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Db } from '../src/db/connection.js';
import { migrate } from '../src/db/migrate.js';
import { ingestPapers } from '../src/papers/ingest.js';
import { PaperRepository } from '../src/papers/paper.repository.js';
import { parseHfDailyPage } from '../src/papers/sources/hf-daily.source.js';
import { readSeedPapers } from '../src/papers/sources/seed.source.js';
import { parseTopic, type Topic } from '../src/topics/topic-grammar.js';
import { TopicMatcher } from '../src/topics/topic-matcher.js';

/**
 * The relevance evaluation: labelled topics over the seed papers and the
 * Hugging Face fixture, scored by micro precision and recall.
 */

export const LABELS_FILE = fileURLToPath(new URL('./relevance.labels.json', import.meta.url));
export const BASELINE_FILE = fileURLToPath(new URL('./relevance.baseline.json', import.meta.url));
const HF_FIXTURE = fileURLToPath(new URL('../test/kit/fixtures/hf-daily-papers-2024-10-25.json', import.meta.url));

export interface LabelledTopic {
  topic: string;
  /** What the topic tests: acronym, synonym, phrase, exclusion, stemming trap, works already. */
  kind: string;
  /** Ids of the papers a reader of the abstracts would want for this topic. */
  relevant: string[];
  /** Why the borderline papers are in or out. */
  note?: string;
}

export interface Scores {
  precision: number;
  recall: number;
}

export interface TopicResult extends Scores {
  topic: string;
  found: string[];
  missed: string[];
  wrong: string[];
}

export interface Evaluation extends Scores {
  topics: TopicResult[];
}

/** Ids of the papers a matcher returns for one topic. */
export type MatchFn = (topic: Topic) => string[];

export function readLabels(file: string = LABELS_FILE): LabelledTopic[] {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as LabelledTopic[];
}

/** A store in a file of its own holding the papers the labels were made from. */
export function evaluationStore(file: string): Db {
  const db = openDatabase(file);
  migrate(db);
  const repo = new PaperRepository(db);
  ingestPapers(repo, readSeedPapers());
  ingestPapers(repo, parseHfDailyPage(fs.readFileSync(HF_FIXTURE, 'utf8'), 'https://huggingface.co').papers);
  return db;
}

function idsBySeq(db: Db): Map<number, string> {
  return new Map(db.prepare<[], { seq: number; id: string }>('SELECT seq, id FROM papers').all().map((row) => [row.seq, row.id] as const));
}

/** The matcher paperboy uses: expansions over the unstemmed index. */
export function expandedMatcher(db: Db): MatchFn {
  const matcher = new TopicMatcher(db);
  const ids = idsBySeq(db);
  return (topic) => matcher.match(topic).map((match) => ids.get(match.seq)!);
}

/** Plain matching as it was: the topic's own words, porter-stemmed, anywhere in the paper. */
export function plainMatcher(db: Db): MatchFn {
  const statement = db.prepare<[string], { id: string }>(
    'SELECT papers.id FROM papers_fts JOIN papers ON papers.seq = papers_fts.rowid WHERE papers_fts MATCH ?',
  );
  return (topic) => statement.all(topic.query).map((row) => row.id);
}

const ratio = (part: number, whole: number) => (whole === 0 ? 1 : part / whole);

export function evaluate(labels: readonly LabelledTopic[], match: MatchFn): Evaluation {
  let truePositives = 0;
  let returned = 0;
  let relevantTotal = 0;
  const topics = labels.map(({ topic, relevant }) => {
    const found = new Set(match(parseTopic(topic)));
    const wanted = new Set(relevant);
    const hits = [...found].filter((id) => wanted.has(id));
    truePositives += hits.length;
    returned += found.size;
    relevantTotal += wanted.size;
    return {
      topic,
      precision: ratio(hits.length, found.size),
      recall: ratio(hits.length, wanted.size),
      found: hits,
      missed: relevant.filter((id) => !found.has(id)),
      wrong: [...found].filter((id) => !wanted.has(id)),
    };
  });
  return { precision: ratio(truePositives, returned), recall: ratio(truePositives, relevantTotal), topics };
}

/** What got worse than the committed baseline; empty when nothing did. */
export function regressions(current: Scores, baseline: Scores): string[] {
  const worse: string[] = [];
  // Scores are ratios of small counts; a rounding wobble is not a regression.
  const EPSILON = 1e-9;
  if (current.precision < baseline.precision - EPSILON) worse.push(`precision ${current.precision.toFixed(3)} < baseline ${baseline.precision.toFixed(3)}`);
  if (current.recall < baseline.recall - EPSILON) worse.push(`recall ${current.recall.toFixed(3)} < baseline ${baseline.recall.toFixed(3)}`);
  return worse;
}

export function readBaseline(file: string = BASELINE_FILE): Scores {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Scores;
}
