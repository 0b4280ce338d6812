import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { PaperRepository } from '../../src/papers/paper.repository.js';
import { hfDailyFeed } from '../../src/papers/sources/hf-daily.source.js';
import { MatchPreview } from '../../src/ranking/match-preview.js';
import { PaperSearch } from '../../src/ranking/paper-search.js';
import { TopicMatcher } from '../../src/topics/topic-matcher.js';
import { matchesRoutes } from '../../src/web/matches.routes.js';
import { inTurn, json, startFixtureServer } from '../helpers/fixture-server.js';
import { hfEntries, HF_SAMPLE, ingestFeed, quickHttp } from '../helpers/sources.js';
import { tempDb } from '../helpers/store.js';

/**
 * Serves the daily list of 2024-10-25, a page per `p`; any later page is
 * empty. `serve` swaps the list, as time passing on Hugging Face would.
 */
async function hfDay(db: ReturnType<typeof tempDb>['db']) {
  let pages: unknown[][] = [];
  const server = await startFixtureServer((request) => {
    if (request.path !== '/api/daily_papers') return undefined;
    return json(pages[Number(request.query.get('p') ?? 0)] ?? []);
  });
  return {
    server,
    ingest: (next: unknown[][]) => {
      pages = next;
      return ingestFeed(db, hfDailyFeed({ baseUrl: server.url, date: '2024-10-25', http: quickHttp().http }));
    },
  };
}

async function ingestDay(db: ReturnType<typeof tempDb>['db'], pages: unknown[][]) {
  const day = await hfDay(db);
  return { server: day.server, result: await day.ingest(pages) };
}

describe('hf source: GET /api/daily_papers', () => {
  it('stores the four papers of a real response with clean titles, visible authors, upvotes and links', async () => {
    const { db } = tempDb();
    const { server, result } = await ingestDay(db, [JSON.parse(HF_SAMPLE)]);
    expect(result).toMatchObject({ added: 4, updated: 0, rejected: [], failure: null, pages: 1 });

    const first = new PaperRepository(db).findById('2410.17243')!;
    // The top-level title, not paper.title's hard-wrapped "Scaling for\n  Contrastive Loss".
    expect(first.title).toBe('Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss');
    expect(first.authors).toHaveLength(9);
    expect(first.authors.slice(0, 3)).toEqual(['Zesen Cheng', 'Hang Zhang', 'Kehan Li']);
    expect(first).toMatchObject({
      source: 'hf',
      upvotes: 64,
      publishedAt: '2024-10-22T17:59:30.000Z',
      pageUrl: `${server.url}/papers/2410.17243`,
      pdfUrl: 'https://arxiv.org/pdf/2410.17243',
      thumbnailUrl: 'https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2410.17243.png',
      codeUrl: null,
      aiSummary: null,
    });
    expect(first.abstract).toMatch(/^Contrastive loss is a powerful approach/);

    const repo = new PaperRepository(db);
    expect(['2410.16251', '2410.18745', '2410.18234'].map((id) => [repo.findById(id)?.title, repo.findById(id)?.upvotes])).toEqual([
      ['Can Knowledge Editing Really Correct Hallucinations?', 41],
      ['Why Does the Effective Context Length of LLMs Fall Short?', 14],
      ['Multi-Draft Speculative Sampling: Canonical Architectures and Theoretical Limits', 2],
    ]);
    // Asked for the day, page by page, until an empty page.
    expect(server.requests.map((r) => [r.query.get('date'), r.query.get('p'), r.query.get('limit')])).toEqual([
      ['2024-10-25', '0', '50'],
      ['2024-10-25', '1', '50'],
    ]);
  });

  it('records the optional fields when present, leaves out hidden authors, and ignores fields it does not know', async () => {
    const { db } = tempDb();
    const [entry] = hfEntries();
    entry.paper.authors[1].hidden = true;
    Object.assign(entry.paper, {
      ai_summary: 'Tiles the contrastive loss so batch size stops being bound by memory.',
      ai_keywords: ['contrastive loss', 'tile-based computation', 'batch size'],
      githubRepo: 'https://github.com/DAMO-NLP-SG/Inf-CLIP',
      projectPage: 'https://example.org/inf-clip',
      someFieldFromTomorrow: { nested: true },
    });
    entry.brandNewTopLevel = 42;
    await ingestDay(db, [[entry]]);
    const stored = new PaperRepository(db).findById('2410.17243')!;
    expect(stored.authors).toHaveLength(8);
    expect(stored.authors).not.toContain('Hang Zhang');
    expect(stored).toMatchObject({
      aiSummary: 'Tiles the contrastive loss so batch size stops being bound by memory.',
      keywords: ['contrastive loss', 'tile-based computation', 'batch size'],
      codeUrl: 'https://github.com/DAMO-NLP-SG/Inf-CLIP',
      projectUrl: 'https://example.org/inf-clip',
    });
  });

  it('rejects an entry that lacks a required field, saying which, and stores the rest of the page', async () => {
    const { db } = tempDb();
    const entries = hfEntries();
    delete entries[1].paper.upvotes;
    delete entries[2].title;
    const { result } = await ingestDay(db, [entries]);
    expect(result.added).toBe(2);
    expect(result.rejected).toEqual([
      { id: '2410.16251', reason: expect.stringMatching(/^paper\.upvotes: .*expected number/) },
      { id: '2410.18745', reason: expect.stringMatching(/^title: .*expected string/) },
    ]);
    expect(new PaperRepository(db).count()).toBe(2);
  });

  it('follows pages until an empty one, and stops when a server ignores the page number', async () => {
    const { db } = tempDb();
    const entries = hfEntries();
    const { server, result } = await ingestDay(db, [entries.slice(0, 2), entries.slice(2, 3), entries.slice(3)]);
    expect(result).toMatchObject({ added: 4, pages: 3, failure: null });
    expect(server.requests.map((r) => r.query.get('p'))).toEqual(['0', '1', '2', '3']);

    const stubborn = await startFixtureServer(() => json(entries.slice(0, 2)));
    const again = await ingestFeed(db, hfDailyFeed({ baseUrl: stubborn.url, date: '2024-10-25', http: quickHttp().http }));
    expect(again).toMatchObject({ pages: 1, failure: null });
    expect(stubborn.requests).toHaveLength(2);
  });

  it('updates upvotes on a later run without making a duplicate', async () => {
    const { db } = tempDb();
    const day = await hfDay(db);
    await day.ingest([hfEntries()]);
    const later = hfEntries();
    later[0].paper.upvotes = 120;
    const result = await day.ingest([later]);
    expect(result).toMatchObject({ added: 0, updated: 1, unchanged: 3 });
    const repo = new PaperRepository(db);
    expect(repo.count()).toBe(4);
    expect(repo.findById('2410.17243')?.upvotes).toBe(120);
  });

  it('marks a paper withdrawn when the entry says so, and never matches it again', async () => {
    const { db } = tempDb();
    const search = new PaperSearch(new TopicMatcher(db), new PaperRepository(db));
    const day = await hfDay(db);
    await day.ingest([hfEntries()]);
    expect(search.search('contrastive loss', { limit: 10 }).map((p) => p.id)).toEqual(['2410.17243']);

    const withdrawn = hfEntries();
    withdrawn[0].paper.withdrawnAt = '2024-10-27T10:00:00.000Z';
    const result = await day.ingest([withdrawn]);
    expect(result.updated).toBe(1);
    expect(new PaperRepository(db).findById('2410.17243')?.withdrawnAt).toBe('2024-10-27T10:00:00.000Z');
    expect(search.search('contrastive loss', { limit: 10 })).toEqual([]);

    // A later entry without the field does not bring it back.
    await day.ingest([hfEntries()]);
    expect(search.search('contrastive loss', { limit: 10 })).toEqual([]);
  });

  it('stores hostile titles safely, and /api/matches returns them as inert JSON text', async () => {
    const { db } = tempDb();
    const entries = hfEntries().slice(0, 3);
    entries[0].title = '<script>alert("x")</script> Contrastive <img src=x onerror=alert(1)>';
    entries[1].title = 'Contrastive\r\nBcc: victim@example.com\r\n\r\n<b>injected</b>';
    entries[2].title = `Contrastive ${'A'.repeat(100 * 1024)}`;
    entries[2].paper.authors[0].name = 'Eve\u0000\r\nX-Injected: 1';
    const { result } = await ingestDay(db, [entries]);
    expect(result).toMatchObject({ added: 3, rejected: [] });

    const repo = new PaperRepository(db);
    expect(repo.findById('2410.17243')?.title).toBe('<script>alert("x")</script> Contrastive <img src=x onerror=alert(1)>');
    expect(repo.findById('2410.16251')?.title).toBe('Contrastive Bcc: victim@example.com <b>injected</b>');
    const long = repo.findById('2410.18745')!;
    expect(long.title.length).toBeLessThanOrEqual(500);
    expect(long.title.endsWith('…')).toBe(true);
    expect(long.authors[0]).toBe('Eve X-Injected: 1');

    const app = Fastify({ logger: false });
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    const matcher = new TopicMatcher(db);
    matchesRoutes(app, new MatchPreview(matcher, new PaperSearch(matcher, repo)));
    const res = await app.inject({ method: 'GET', url: '/api/matches?topics=contrastive' });
    await app.close();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const titles = (res.json() as Array<{ title: string }>).map((p) => p.title);
    expect(titles).toHaveLength(3);
    expect(titles).toContain('<script>alert("x")</script> Contrastive <img src=x onerror=alert(1)>');
    for (const title of titles) expect([...title].filter((ch) => '\r\n\u0000'.includes(ch))).toEqual([]);
    // Markup travels inside JSON strings, never as a document of its own.
    expect(res.body.startsWith('[')).toBe(true);
  });
});

describe('hf source: responses that are not a list of papers', () => {
  it('treats an object in place of the list as garbage and fails the run without storing anything', async () => {
    const { db } = tempDb();
    const server = await startFixtureServer(inTurn([json({ error: 'Invalid date' }), json({ error: 'Invalid date' }), json({ error: 'Invalid date' })]));
    const result = await ingestFeed(db, hfDailyFeed({ baseUrl: server.url, date: '2024-10-25', http: quickHttp().http }));
    expect(result.failure?.message).toMatch(/the response is not a list of papers \(got object\) \(gave up after 3 tries\)/);
    expect(new PaperRepository(db).count()).toBe(0);
  });
});
