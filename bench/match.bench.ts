/**
 * `npm run bench`: how fast the store takes papers in and matches topics,
 * next to the naive ways of doing the same, measured in one run on one
 * machine so the ratios mean something even on a noisy host.
 *
 * Corpus: the 84 seed papers recombined into CORPUS synthetic papers (real
 * vocabulary, real abstract lengths). Topics: TOPICS distinct phrases taken
 * from the seed titles.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../src/db/connection.js';
import { migrate } from '../src/db/migrate.js';
import { ingestPapers } from '../src/papers/ingest.js';
import type { PaperInput } from '../src/papers/paper.js';
import { PaperRepository } from '../src/papers/paper.repository.js';
import { readSeedPapers } from '../src/papers/sources/seed.source.js';
import { PaperSearch } from '../src/ranking/paper-search.js';
import { parseTopic, type Topic } from '../src/topics/topic-grammar.js';
import { TopicMatcher } from '../src/topics/topic-matcher.js';

const CORPUS = Number(process.env.BENCH_PAPERS ?? 20_000);
const TOPICS = Number(process.env.BENCH_TOPICS ?? 300);

/** Deterministic, so every run measures the same work. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticPapers(seeds: PaperInput[], count: number): PaperInput[] {
  const random = mulberry32(42);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const sentences = seeds.flatMap((paper) => paper.abstract.split(/(?<=\.)\s+/));
  const titleWords = seeds.flatMap((paper) => paper.title.split(/\s+/));
  return Array.from({ length: count }, (_, i) => ({
    ...pick(seeds),
    id: `2611.${String(i).padStart(5, '0')}`,
    source: 'hf' as const,
    title: Array.from({ length: 8 }, () => pick(titleWords)).join(' '),
    abstract: Array.from({ length: 9 }, () => pick(sentences)).join(' '),
    authors: ['Ada Lovelace', 'Alan Turing'],
    upvotes: Math.floor(random() * 200),
    publishedAt: new Date(Date.UTC(2026, 10, 1 + Math.floor(random() * 25))).toISOString(),
  }));
}

function topicsFrom(seeds: PaperInput[], count: number): Topic[] {
  const phrases = new Map<string, Topic>();
  for (const paper of seeds) {
    const words = paper.title.toLowerCase().match(/[a-z][a-z-]{3,}/g) ?? [];
    for (let i = 0; i + 1 < words.length; i += 1) {
      for (const text of [words[i]!, `${words[i]} ${words[i + 1]}`]) {
        const topic = parseTopic(text);
        phrases.set(topic.key, topic);
      }
    }
  }
  return [...phrases.values()].slice(0, count);
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

const rows: Array<[string, string, string]> = [];
const rate = (n: number, ms: number, unit: string) => `${Math.round((n / ms) * 1000).toLocaleString('en')} ${unit}/s`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bench-'));
try {
  const db = openDatabase(path.join(dir, 'bench.db'));
  migrate(db);
  const repo = new PaperRepository(db);
  const seeds = readSeedPapers();
  const papers = syntheticPapers(seeds, CORPUS);
  const topics = topicsFrom(seeds, TOPICS);
  console.log(`corpus: ${CORPUS.toLocaleString('en')} papers; ${topics.length} distinct topics; node ${process.version}; ${os.cpus().length} cores\n`);

  // Ingest: batches of 500 in one transaction each (as sources do), against one INSERT per transaction.
  const batched = time(() => {
    for (let i = 0; i < papers.length; i += 500) ingestPapers(repo, papers.slice(i, i + 500));
  });
  const reingest = time(() => {
    for (let i = 0; i < papers.length; i += 500) {
      ingestPapers(repo, papers.slice(i, i + 500).map((paper) => ({ ...paper, upvotes: (paper.upvotes ?? 0) + 1 })));
    }
  });
  const single = papers.slice(0, 1_000).map((paper) => ({ ...paper, id: `single-${paper.id}` }));
  const perRow = time(() => {
    for (const paper of single) ingestPapers(repo, [paper]);
  });
  rows.push(['ingest, 500 per transaction', rate(papers.length, batched.ms, 'papers'), '']);
  rows.push(['re-ingest (upvote refresh)', rate(papers.length, reingest.ms, 'papers'), '']);
  rows.push([
    'ingest, one transaction per paper',
    rate(single.length, perRow.ms, 'papers'),
    `batched is ${((papers.length / batched.ms) / (single.length / perRow.ms)).toFixed(1)}x faster`,
  ]);

  // Matching: the FTS5 index against a scan that tests every paper with LIKE.
  const matcher = new TopicMatcher(db);
  const fts = time(() => topics.reduce((sum, topic) => sum + matcher.match(topic).length, 0));
  const scanTopics = topics.slice(0, 20);
  const like = db.prepare<[string], { n: number }>(
    "SELECT count(*) AS n FROM papers WHERE (title || ' ' || abstract) LIKE ? AND withdrawn_at IS NULL",
  );
  const ftsSubset = time(() => scanTopics.reduce((sum, topic) => sum + matcher.match(topic).length, 0));
  const scan = time(() => scanTopics.reduce((sum, topic) => sum + (like.get(`%${topic.include.flat().join(' ')}%`)?.n ?? 0), 0));
  rows.push(['match, FTS5 index (all topics)', rate(topics.length, fts.ms, 'topics'), `${fts.value.toLocaleString('en')} matches`]);
  rows.push([
    'match, LIKE scan (first 20 topics)',
    rate(scanTopics.length, scan.ms, 'topics'),
    `FTS5 is ${(scan.ms / ftsSubset.ms).toFixed(1)}x faster on the same topics`,
  ]);

  // A search as the CLI and the live preview run it: parse, match, rank, highlight.
  const search = new PaperSearch(matcher, repo);
  const queries = topics.slice(0, 100);
  const searched = time(() => queries.forEach((topic) => search.search(topic.text, { limit: 10 })));
  rows.push(['search (match + rank + highlight, top 10)', `${(searched.ms / queries.length).toFixed(2)} ms each`, '']);

  db.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const width = Math.max(...rows.map((row) => row[0].length));
for (const [name, figure, note] of rows) console.log(`${name.padEnd(width)}  ${figure.padStart(18)}  ${note}`);
