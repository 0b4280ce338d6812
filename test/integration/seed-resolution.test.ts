import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { paperCard } from '../../src/digest/paper-card.js';
import { ingestPapers } from '../../src/papers/ingest.js';
import { startIngestJobs } from '../../src/papers/ingest.scheduler.js';
import { PaperRepository } from '../../src/papers/paper.repository.js';
import { SeedLookupRepository } from '../../src/papers/seed-lookup.repository.js';
import { resolveSeedPapers } from '../../src/papers/seed-resolver.js';
import { findArxivPaperByTitle, titleQuery } from '../../src/papers/sources/arxiv-title-search.js';
import { SourceError } from '../../src/papers/sources/http-client.js';
import { createPacer } from '../../src/papers/sources/pacer.js';
import { readSeedPapers } from '../../src/papers/sources/seed.source.js';
import { atom, type FixtureHandler, startFixtureServer } from '../helpers/fixture-server.js';
import { ATOM, fixture, quickHttp } from '../helpers/sources.js';
import { tempDb } from '../helpers/store.js';

const TITLE_SEARCH = fs.readFileSync(fixture('arxiv-title-search.atom.xml'), 'utf8');
const EMPTY = `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0</opensearch:totalResults>
</feed>`;
const DRAGNUWA = 'DragNUWA: Fine-grained Control in Video Generation by Integrating Text, Image, and Trajectory';

/** arXiv as a local server: the DragNUWA title search finds it, every other title finds nothing. */
const arxiv: FixtureHandler = (request) => {
  const query = request.query.get('search_query') ?? '';
  if (!query.startsWith('ti:')) return atom(ATOM);
  return atom(query.includes('dragnuwa') ? TITLE_SEARCH : EMPTY);
};

const noWait = { sleep: async () => undefined };

function seededStore(count = 3) {
  const { db } = tempDb();
  const papers = new PaperRepository(db);
  // The first seed papers, DragNUWA among them, stored as `npm start` stores them on an empty database.
  ingestPapers(papers, readSeedPapers().slice(0, count), new Date('2026-11-26T06:00:00Z'));
  return { db, papers, lookups: new SeedLookupRepository(db) };
}

describe('finding a seed paper on arXiv by its title', () => {
  it('asks arXiv for the title as a phrase, made only of its words', () => {
    expect(titleQuery('DragNUWA: Fine-grained "Control" (in) Video')).toBe('ti:"dragnuwa fine grained control in video"');
  });

  it('takes the result with exactly that title, not a longer one that contains it', async () => {
    const server = await startFixtureServer(arxiv);
    const found = await findArxivPaperByTitle(DRAGNUWA, { baseUrl: server.url, http: quickHttp().http, pacer: createPacer(0, noWait) });
    expect(found).toMatchObject({
      id: '2308.08089',
      source: 'arxiv',
      title: DRAGNUWA,
      publishedAt: '2023-08-16T01:43:41Z',
      pageUrl: 'https://arxiv.org/abs/2308.08089',
      pdfUrl: 'https://arxiv.org/pdf/2308.08089',
    });
    expect(found!.authors).toHaveLength(7);
    expect(server.requests[0]!.path).toBe('/api/query');
    expect(server.requests[0]!.query.get('search_query')).toBe(
      'ti:"dragnuwa fine grained control in video generation by integrating text image and trajectory"',
    );
  });

  it('says null when arXiv has no such title, and throws when arXiv cannot be reached', async () => {
    const server = await startFixtureServer(arxiv);
    const search = { baseUrl: server.url, http: quickHttp().http, pacer: createPacer(0, noWait) };
    await expect(findArxivPaperByTitle('A Title Nobody Wrote', search)).resolves.toBeNull();
    const down = await startFixtureServer(() => ({ status: 503 }));
    await expect(findArxivPaperByTitle(DRAGNUWA, { ...search, baseUrl: down.url })).rejects.toBeInstanceOf(SourceError);
  });
});

describe('resolving the seed papers', () => {
  it('gives a found paper its arXiv id, authors, date and links on the same row, and remembers every answer', async () => {
    const { papers, lookups } = seededStore();
    const seedId = readSeedPapers()[0]!.id;
    const before = papers.findById(seedId)!;
    // Before: no page, so the card falls back to title searches.
    expect(paperCard({ paper: before, topics: ['video'], terms: [] }).url).toMatch(/^https:\/\/huggingface\.co\/papers\?q=DragNUWA/);

    const server = await startFixtureServer(arxiv);
    const search = { baseUrl: server.url, http: quickHttp().http, pacer: createPacer(0, noWait) };
    const deps = { papers, lookups, search: (title: string) => findArxivPaperByTitle(title, search), now: () => new Date('2026-11-27T00:00:00Z') };
    expect(await resolveSeedPapers(deps)).toEqual({ resolved: 1, notFound: 2, failure: null });

    expect(papers.findById(seedId)).toBeNull();
    const after = papers.findById('2308.08089')!;
    expect(after.seq).toBe(before.seq);
    expect(after).toMatchObject({ source: 'arxiv', publishedAt: '2023-08-16T01:43:41.000Z', pageUrl: 'https://arxiv.org/abs/2308.08089' });
    const card = paperCard({ paper: after, topics: ['video'], terms: [] });
    expect(card.url).toBe('https://arxiv.org/abs/2308.08089');
    expect(card.meta).toEqual(['16 Aug 2023', 'Shengming Yin, Chenfei Wu, Jian Liang et al.', 'arXiv:2308.08089']);
    // The seed page's project link stays: arXiv did not know one.
    expect(card.links.map((l) => l.label)).toEqual(['Paper', 'PDF', 'Project page']);

    // Every seed paper was asked about once; a second run asks nothing.
    const asked = server.requests.length;
    expect(asked).toBe(3);
    expect(await resolveSeedPapers(deps)).toEqual({ resolved: 0, notFound: 0, failure: null });
    expect(server.requests).toHaveLength(asked);

    // Loading the seed file again lands on the renamed row instead of adding the paper twice.
    const count = papers.count();
    ingestPapers(papers, readSeedPapers().slice(0, 3), new Date('2026-11-28T00:00:00Z'));
    expect(papers.count()).toBe(count);
    expect(papers.findById(seedId)).toBeNull();
    expect(papers.findById('2308.08089')!.authors).toHaveLength(7);
  });

  it('stops at the first failure without recording anything, so the next run asks again', async () => {
    const { papers, lookups } = seededStore();
    const down = await startFixtureServer(() => ({ status: 503 }));
    const search = { baseUrl: down.url, http: quickHttp().http, pacer: createPacer(0, noWait) };
    const result = await resolveSeedPapers({ papers, lookups, search: (title) => findArxivPaperByTitle(title, search), now: () => new Date() });
    expect(result).toMatchObject({ resolved: 0, notFound: 0 });
    expect(result.failure).toBeInstanceOf(SourceError);
    expect(lookups.pending(10)).toHaveLength(3);
  });

  it('runs after each scheduled arXiv ingest, at arXiv’s pace', async () => {
    const { db, papers } = seededStore(2);
    const server = await startFixtureServer(arxiv);
    const sleeps: number[] = [];
    const jobs = startIngestJobs({
      config: { ...loadConfig({ ARXIV_BASE_URL: server.url, ARXIV_CATEGORIES: 'cs.LG' }), ingestSchedule: { hf: null, arxiv: null } },
      repo: papers,
      seedLookups: new SeedLookupRepository(db),
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
      clock: () => new Date('2024-10-26T00:30:00Z'),
      http: { sleep: async () => undefined, retry: { attempts: 2, baseDelayMs: 1 } },
      // A clock that moves only when the pacer sleeps: every call after the first waits its 3 s.
      pacer: (() => {
        let now = 0;
        return { now: () => now, sleep: async (ms: number) => void (sleeps.push(ms), (now += ms)) };
      })(),
    });
    try {
      await jobs.run('arxiv');
    } finally {
      await jobs.stop();
    }
    const queries = server.requests.map((r) => r.query.get('search_query') ?? '');
    expect(queries.filter((q) => q.startsWith('ti:'))).toHaveLength(2);
    expect(queries[0]).not.toMatch(/^ti:/);
    expect(sleeps).toEqual([3_000, 3_000]);
    expect(papers.findById('2308.08089')).not.toBeNull();
  });
});
