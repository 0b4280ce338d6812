import { describe, expect, it } from 'vitest';
import { PaperRepository } from '../../src/papers/paper.repository.js';
import { ARXIV_SPACING_MS, arxivFeed, type ArxivOptions } from '../../src/papers/sources/arxiv.source.js';
import { createPacer } from '../../src/papers/sources/pacer.js';
import { atom, type FixtureHandler, startFixtureServer } from '../helpers/fixture-server.js';
import { ATOM, ingestFeed, quickHttp } from '../helpers/sources.js';
import { tempDb } from '../helpers/store.js';

/** A clock that only moves when someone sleeps, and a record of every sleep. */
function fakeTime(start = 0) {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

async function arxivRun(handler: FixtureHandler, options: Partial<ArxivOptions> = {}) {
  const { db } = tempDb();
  const server = await startFixtureServer(handler);
  const time = fakeTime();
  const feed = arxivFeed({
    baseUrl: server.url,
    categories: ['cs.LG', 'cs.CL', 'cs.CV', 'cs.AI'],
    http: quickHttp({ sleep: time.sleep }).http,
    pacer: createPacer(ARXIV_SPACING_MS, time),
    ...options,
  });
  return { db, server, time, result: await ingestFeed(db, feed) };
}

/** An Atom page holding `ids` as minimal entries, with `total` results in all. */
function atomPage(ids: string[], total: number, published = '2024-10-24T10:00:00Z'): string {
  const entries = ids
    .map(
      (id) => `<entry><id>http://arxiv.org/abs/${id}v1</id><published>${published}</published>
        <title>Paper ${id}</title><summary>About ${id}.</summary><author><name>A. Author</name></author>
        <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/></entry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom">
      <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">${total}</opensearch:totalResults>
      ${entries}
    </feed>`;
}

describe('arxiv source: the Atom API', () => {
  it('stores ids without versions, collapsed titles, summaries, authors, categories and links', async () => {
    const { db, result, server } = await arxivRun(() => atom(ATOM));
    expect(result).toMatchObject({ added: 3, rejected: [], failure: null });
    const repo = new PaperRepository(db);
    expect(repo.findById('2410.17243v2')).toBeNull();

    expect(repo.findById('2410.17243')).toMatchObject({
      source: 'arxiv',
      title: 'Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss',
      authors: ['Zesen Cheng', 'Hang Zhang', 'Kehan Li', 'Lidong Bing'],
      categories: ['cs.CV', 'cs.LG'],
      upvotes: null,
      publishedAt: '2024-10-22T17:59:30.000Z',
      pageUrl: 'https://arxiv.org/abs/2410.17243',
      pdfUrl: 'https://arxiv.org/pdf/2410.17243',
    });
    expect(repo.findById('2410.17243')?.abstract).toMatch(/^Contrastive loss is a powerful approach .*\nlarger batch sizes/s);
    expect(repo.findById('2410.18771')).toMatchObject({
      // An entity decoded, and a title spread over three lines made one.
      title: 'Sparse Mixture-of-Experts & Token Routing: A Survey of Load Balancing',
      authors: ['Grace Hopper'],
      categories: ['cs.LG', 'cs.CL'],
    });
    expect(repo.findById('2410.16001')).toMatchObject({
      title: 'Test-Time Adaptation under Label Shift',
      categories: ['cs.CV', 'cs.AI', 'stat.ML'],
    });

    const [request] = server.requests;
    expect(request?.path).toBe('/api/query');
    expect(request?.query.get('search_query')).toBe('(cat:cs.LG OR cat:cs.CL OR cat:cs.CV OR cat:cs.AI)');
    expect(request?.query.get('sortBy')).toBe('submittedDate');
    expect(request?.query.get('sortOrder')).toBe('descending');
    // totalResults is 3, so one call is enough.
    expect(server.requests).toHaveLength(1);
  });

  it('keeps at least 3 s between calls and never asks for more than 2,000 results in one', async () => {
    const pages = [atomPage(['2410.00001', '2410.00002'], 5), atomPage(['2410.00003', '2410.00004'], 5), atomPage(['2410.00005'], 5)];
    const { server, time, result } = await arxivRun((_request, index) => atom(pages[index] ?? atomPage([], 5)), { pageSize: 2 });
    expect(result).toMatchObject({ added: 5, pages: 3, failure: null });
    expect(server.requests.map((r) => [r.query.get('start'), r.query.get('max_results')])).toEqual([
      ['0', '2'],
      ['2', '2'],
      ['4', '2'],
    ]);
    // The first call goes at once; each later one waits out the spacing.
    expect(time.sleeps).toEqual([ARXIV_SPACING_MS, ARXIV_SPACING_MS]);

    const big = await arxivRun(() => atom(atomPage(['2410.00009'], 1)), { pageSize: 50_000 });
    expect(big.server.requests[0]?.query.get('max_results')).toBe('2000');
  });

  it('counts retries as calls, so a retry never comes sooner than the spacing', async () => {
    const { server, time, result } = await arxivRun((_request, index) =>
      index === 0 ? { status: 503, body: 'busy' } : atom(atomPage(['2410.00001'], 1)),
    );
    expect(result).toMatchObject({ added: 1, failure: null });
    expect(server.requests).toHaveLength(2);
    // 75 ms of backoff (100 ms, jittered), then the pacer waits out the rest of the 3 s.
    expect(time.sleeps).toEqual([75, ARXIV_SPACING_MS - 75]);
  });

  it('stops paging at papers older than the run looks back, and asks for one day with --date', async () => {
    const old = await arxivRun(
      (_request, index) => atom(atomPage([`2410.0000${index}`], 100, index === 0 ? '2024-10-24T10:00:00Z' : '2024-10-20T10:00:00Z')),
      { pageSize: 1, since: new Date('2024-10-23T00:00:00Z') },
    );
    expect(old.server.requests).toHaveLength(2);

    const day = await arxivRun(() => atom(atomPage([], 0)), { date: '2024-10-25', categories: ['cs.LG'] });
    expect(day.server.requests[0]?.query.get('search_query')).toBe('(cat:cs.LG) AND submittedDate:[202410250000 TO 202410252359]');
    expect(day.result).toMatchObject({ added: 0, pages: 0, failure: null });
  });

  it('rejects an entry without an id or a title, with a reason, and stores the rest', async () => {
    const xml = ATOM.replace('<id>http://arxiv.org/abs/2410.18771v1</id>', '').replace(/<title>\tTest-Time[^<]*<\/title>/, '');
    const { db, result } = await arxivRun(() => atom(xml));
    expect(result.added).toBe(1);
    expect(result.rejected).toEqual([
      { id: 'entry 1', reason: expect.stringMatching(/^id: /) },
      { id: 'http://arxiv.org/abs/2410.16001v3', reason: expect.stringMatching(/^title: /) },
    ]);
    expect(new PaperRepository(db).findById('2410.17243')).not.toBeNull();
  });

  it('fails at once, without retrying, when arXiv answers with its error feed', async () => {
    const error = `<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">
      <entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id><title>Error</title>
      <summary>incorrect id format for 1234</summary></entry></feed>`;
    const { db, server, result } = await arxivRun(() => atom(error));
    expect(result.failure?.message).toMatch(/arXiv refused the query: incorrect id format for 1234$/);
    expect(server.requests).toHaveLength(1);
    expect(new PaperRepository(db).count()).toBe(0);
  });
});
