import { describe, expect, it } from 'vitest';
import { ingestPapers } from '../../src/papers/ingest.js';
import { emptyPaper } from '../../src/papers/paper.js';
import { PaperRepository } from '../../src/papers/paper.repository.js';
import { PAPER_SOURCES, SOURCE_NAMES } from '../../src/papers/sources/registry.js';
import { tempDb } from '../helpers/store.js';

const NOW = new Date('2026-11-25T08:00:00Z');

/**
 * The one list TypeScript cannot drive is the CHECK on `papers.source` in
 * the SQL migrations. The schema as SQLite holds it after every migration is
 * compared with the registry, so a source added to one and not the other
 * fails here, not on its first ingest in production.
 */
function checkedSources(sql: string): string[] {
  const check = /\bsource\b[^,]*?CHECK\s*\(\s*source\s+IN\s*\(([^)]*)\)/i.exec(sql);
  if (!check?.[1]) throw new Error(`no CHECK on source in:\n${sql}`);
  return [...check[1].matchAll(/'([^']*)'/g)].map((match) => match[1]!);
}

describe('paper source registry', () => {
  it('names exactly the sources the papers table accepts', () => {
    const { db } = tempDb();
    const { sql } = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'papers'").get()!;
    expect([...checkedSources(sql)].sort()).toEqual([...SOURCE_NAMES].sort());
  });

  it('stores a paper from every registered source', () => {
    const { db } = tempDb();
    const repo = new PaperRepository(db);
    const papers = SOURCE_NAMES.map((name, i) => emptyPaper(`2411.0000${i}`, name, `A paper from ${name}`));
    expect(ingestPapers(repo, papers, NOW)).toMatchObject({ added: SOURCE_NAMES.length, rejected: [] });
    for (const paper of papers) expect(repo.findById(paper.id)?.source).toBe(paper.source);
  });

  it('lets the source of higher precedence keep the paper, whatever order they come in', () => {
    const byRank = [...PAPER_SOURCES].sort((a, b) => a.precedence - b.precedence).map((source) => source.name);
    expect(new Set(PAPER_SOURCES.map((source) => source.precedence)).size).toBe(PAPER_SOURCES.length);
    for (const order of [byRank, [...byRank].reverse()]) {
      const { db } = tempDb();
      const repo = new PaperRepository(db);
      for (const name of order) ingestPapers(repo, [emptyPaper('2411.00100', name, `Title as ${name} has it`)], NOW);
      const top = byRank.at(-1)!;
      expect(repo.findById('2411.00100')).toMatchObject({ source: top, title: `Title as ${top} has it` });
    }
  });
});
