/**
 * How fast the store takes papers in and matches topics, next to the naive
 * ways of doing the same. Corpus: synthetic papers recombined from the seed
 * papers; topics: distinct words and phrases from their titles.
 */
import { performance } from 'node:perf_hooks';
import { ingestPapers } from '../src/papers/ingest.js';
import { PaperRepository } from '../src/papers/paper.repository.js';
import { PaperSearch } from '../src/ranking/paper-search.js';
import { TopicMatcher } from '../src/topics/topic-matcher.js';
import { syntheticPapers, syntheticTopics } from '../test/kit/synthetic.js';
import { createWorld } from '../test/kit/world.js';

function time<T>(fn: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

export type Row = [name: string, figure: string, note: string];

const rate = (n: number, ms: number, unit: string) => `${Math.round((n / ms) * 1000).toLocaleString('en')} ${unit}/s`;

export function storeBench({ corpus, topicCount }: { corpus: number; topicCount: number }): Row[] {
  const rows: Row[] = [];
  // An empty world: ingest is what this measures.
  const { db, remove } = createWorld({ name: 'bench.db' });
  try {
    const repo = new PaperRepository(db);
    const papers = syntheticPapers(corpus);
    const topics = syntheticTopics(topicCount);

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
    rows.push([`ingest ${corpus.toLocaleString('en')} papers, 500 per transaction`, rate(papers.length, batched.ms, 'papers'), '']);
    rows.push(['re-ingest (upvote refresh)', rate(papers.length, reingest.ms, 'papers'), '']);
    rows.push([
      'ingest, one transaction per paper',
      rate(single.length, perRow.ms, 'papers'),
      `batched is ${((papers.length / batched.ms) / (single.length / perRow.ms)).toFixed(1)}x faster`,
    ]);

    // Expansion: once per distinct topic per run, never per subscriber. A new
    // matcher starts cold, so the first topic also pays for building the dictionary.
    const matcher = new TopicMatcher(db);
    const dictionary = time(() => matcher.compile(topics[0]!));
    const expanded = time(() => topics.reduce((sum, topic) => sum + matcher.compile(topic).expansions.length, 0));
    rows.push([
      'expand topics (glossary + mined abbreviations)',
      `${(expanded.ms / topics.length).toFixed(3)} ms per topic`,
      `dictionary built once in ${dictionary.ms.toFixed(1)} ms; ${expanded.value.toLocaleString('en')} expansions`,
    ]);

    // Matching: the FTS5 index against a scan that tests every paper with LIKE.
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
  } finally {
    remove();
  }
  return rows;
}
