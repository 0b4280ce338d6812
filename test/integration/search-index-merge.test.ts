import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connection.js';
import { ingestPapers } from '../../src/papers/ingest.js';
import { runIngest } from '../../src/papers/ingest-run.js';
import { PaperRepository } from '../../src/papers/paper.repository.js';
import type { SourcePage } from '../../src/papers/sources/source.js';
import { parseTopic } from '../../src/topics/topic-grammar.js';
import { TopicMatcher } from '../../src/topics/topic-matcher.js';
import { paper, tempDb } from '../helpers/store.js';

const NOW = new Date('2026-11-25T08:00:00Z');

/** Pages of papers that all mention "tokenizer", each page's ids its own. */
function pages(count: number, perPage = 5): SourcePage[] {
  return Array.from({ length: count }, (_, page) => ({
    rejected: [],
    papers: Array.from({ length: perPage }, (_, index) =>
      paper({ id: `2611.${String(page * perPage + index).padStart(5, '0')}`, title: `A tokenizer study, part ${page}-${index}` }),
    ),
  }));
}

async function* feed(list: SourcePage[]): AsyncIterable<SourcePage> {
  yield* list;
}

const usermerge = (db: Db, index: string) => db.prepare<[], { v: number }>(`SELECT v FROM ${index}_config WHERE k = 'usermerge'`).get()?.v;

describe('search index merging', () => {
  it('leaves nothing to merge after an ingest run, though each of its pages added segments', async () => {
    const { db } = tempDb();
    const repo = new PaperRepository(db);
    const result = await runIngest(repo, feed(pages(6)), { now: () => NOW });
    expect(result).toMatchObject({ added: 30, pages: 6, failure: null });
    // FTS5's own signal: a merge step finds no level with two segments.
    expect(repo.mergeSearchIndexStep()).toBe(false);
    // Every page's papers are still found, in both indexes.
    const matcher = new TopicMatcher(db);
    expect(matcher.match(parseTopic('tokenizer'))).toHaveLength(30);
    expect(db.prepare("SELECT count(*) AS n FROM papers_fts WHERE papers_fts MATCH 'tokenizer'").get()).toEqual({ n: 30 });
  });

  it('has segments to merge when the same pages are stored without a run, and merges them', () => {
    const { db } = tempDb();
    const repo = new PaperRepository(db);
    for (const page of pages(6)) ingestPapers(repo, page.papers, NOW);
    expect(repo.mergeSearchIndexStep()).toBe(true);
    repo.mergeSearchIndex();
    expect(repo.mergeSearchIndexStep()).toBe(false);
    expect(new TopicMatcher(db).match(parseTopic('tokenizer'))).toHaveLength(30);
  });

  it('merges a level once it holds two segments, for both indexes', () => {
    const { db } = tempDb();
    expect(usermerge(db, 'papers_fts')).toBe(2);
    expect(usermerge(db, 'papers_exact')).toBe(2);
  });

  it('stops merging once shutdown aborts the run, keeping its pages, and the next run merges', async () => {
    const { db } = tempDb();
    const repo = new PaperRepository(db);
    const stop = new AbortController();
    // Shutdown comes after the last page is stored, before the merge.
    async function* thenStop(list: SourcePage[]): AsyncIterable<SourcePage> {
      yield* list;
      stop.abort();
    }
    const result = await runIngest(repo, thenStop(pages(6)), { now: () => NOW, signal: stop.signal });
    expect(result).toMatchObject({ added: 30, pages: 6, failure: null });
    expect(repo.mergeSearchIndexStep()).toBe(true);
    await runIngest(repo, feed(pages(1)), { now: () => NOW });
    expect(repo.mergeSearchIndexStep()).toBe(false);
    expect(new TopicMatcher(db).match(parseTopic('tokenizer'))).toHaveLength(30);
  });

  it('does not merge after a run that stored no page', async () => {
    const { db } = tempDb();
    const repo = new PaperRepository(db);
    for (const page of pages(3)) ingestPapers(repo, page.papers, NOW);
    const result = await runIngest(repo, feed([]), { now: () => NOW });
    expect(result.pages).toBe(0);
    expect(repo.mergeSearchIndexStep()).toBe(true);
  });
});
