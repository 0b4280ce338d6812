import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connection.js';
import { emptyPaper, type PaperInput } from '../../src/papers/paper.js';
import { PaperRepository } from '../../src/papers/paper.repository.js';
import { SeedLookupRepository } from '../../src/papers/seed-lookup.repository.js';
import { ARXIV_SPACING_MS, arxivFeed } from '../../src/papers/sources/arxiv.source.js';
import { hfDailyFeed } from '../../src/papers/sources/hf-daily.source.js';
import { createPacer } from '../../src/papers/sources/pacer.js';
import { digestWorld } from '../helpers/digest.js';
import { atom, json, startFixtureServer } from '../helpers/fixture-server.js';
import { paper } from '../helpers/papers.js';
import { ATOM, hfEntries, ingestFeed, quickHttp } from '../helpers/sources.js';
import { tempDb } from '../helpers/store.js';

/** Both sources on one local server, with the HF list and the Atom body swappable between runs. */
async function sources(db: Db) {
  let hf: unknown[] = hfEntries();
  let xml = ATOM;
  const server = await startFixtureServer((request) => {
    if (request.path === '/api/daily_papers') return json(request.query.get('p') === '0' ? hf : []);
    if (request.path === '/api/query') return atom(xml);
    return undefined;
  });
  const { http } = quickHttp();
  const pacer = createPacer(ARXIV_SPACING_MS, { sleep: async () => undefined });
  return {
    server,
    hf: (entries: unknown[] = hfEntries()) => {
      hf = entries;
      return ingestFeed(db, hfDailyFeed({ baseUrl: server.url, date: '2024-10-25', http }));
    },
    arxiv: (body = ATOM) => {
      xml = body;
      return ingestFeed(db, arxivFeed({ baseUrl: server.url, categories: ['cs.LG'], http, pacer }));
    },
  };
}

describe('the same paper from Hugging Face and arXiv', () => {
  it('is one paper: arXiv after HF fills in categories but keeps HF title, authors, upvotes and links', async () => {
    const { db } = tempDb();
    const run = await sources(db);
    await run.hf();
    expect(await run.arxiv()).toMatchObject({ added: 2, updated: 1, unchanged: 0 });

    const repo = new PaperRepository(db);
    expect(repo.count()).toBe(6);
    const paper = repo.findById('2410.17243')!;
    expect(paper).toMatchObject({
      source: 'hf',
      title: 'Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss',
      upvotes: 64,
      pageUrl: `${run.server.url}/papers/2410.17243`,
      thumbnailUrl: 'https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2410.17243.png',
      categories: ['cs.CV', 'cs.LG'],
    });
    expect(paper.authors).toHaveLength(9);

    // A later HF run refreshes the votes; still one paper.
    const later = hfEntries();
    later[0].paper.upvotes = 70;
    expect(await run.hf(later)).toMatchObject({ added: 0, updated: 1, unchanged: 3 });
    expect(repo.count()).toBe(6);
    expect(repo.findById('2410.17243')).toMatchObject({ upvotes: 70, categories: ['cs.CV', 'cs.LG'] });
  });

  it('gains HF upvotes and links when HF sees an arXiv paper later, and arXiv never takes them back', async () => {
    const { db } = tempDb();
    const run = await sources(db);
    await run.arxiv();
    const repo = new PaperRepository(db);
    expect(repo.findById('2410.17243')).toMatchObject({ source: 'arxiv', upvotes: null, pageUrl: 'https://arxiv.org/abs/2410.17243' });

    expect(await run.hf()).toMatchObject({ added: 3, updated: 1 });
    expect(repo.findById('2410.17243')).toMatchObject({
      source: 'hf',
      upvotes: 64,
      pageUrl: `${run.server.url}/papers/2410.17243`,
      categories: ['cs.CV', 'cs.LG'],
    });

    expect(await run.arxiv()).toMatchObject({ added: 0, updated: 0, unchanged: 3 });
    expect(repo.findById('2410.17243')).toMatchObject({ upvotes: 64, pageUrl: `${run.server.url}/papers/2410.17243` });
    expect(repo.count()).toBe(6);
  });

  it('never makes a second paper for a new version', async () => {
    const { db } = tempDb();
    const run = await sources(db);
    await run.arxiv();
    const v3 = ATOM.replaceAll('2410.17243v2', '2410.17243v3').replace(
      'Near Infinite Batch Size Scaling for\n  Contrastive Loss',
      'Near-Infinite Batch Size Scaling for Contrastive Loss',
    );
    expect(await run.arxiv(v3)).toMatchObject({ added: 0, updated: 1, unchanged: 2 });
    const repo = new PaperRepository(db);
    expect(repo.count()).toBe(3);
    expect(repo.findById('2410.17243')?.title).toBe('Breaking the Memory Barrier: Near-Infinite Batch Size Scaling for Contrastive Loss');
  });
});

describe('a seed paper that a source brings later', () => {
  const day = (n: number) => `2026-11-${String(26 + n).padStart(2, '0')}T08:00:00Z`;

  it('stays one row, under its arXiv id, so a reader who was sent its seed card is not sent it again', async () => {
    const w = await digestWorld();
    w.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    const seed: PaperInput = { ...emptyPaper('seed-0123456789ab', 'seed', 'Zebrafish Fins: A Study of Regrowth'), abstract: 'How zebrafish regrow fins.' };
    w.addPapers([seed], '2026-11-26T10:00:00Z');
    expect(await w.run(day(1))).toMatchObject({ sent: 1 });
    const seq = w.db.prepare('SELECT seq FROM papers').pluck().get() as number;

    // The next day Hugging Face lists it, the title written a little differently.
    w.addPapers([paper({ id: '2611.01234', title: 'Zebrafish fins — a study of regrowth', abstract: 'How zebrafish regrow fins.', upvotes: 40 })], '2026-11-27T10:00:00Z');
    expect(w.db.prepare('SELECT seq, id, source, upvotes FROM papers').all()).toEqual([{ seq, id: '2611.01234', source: 'hf', upvotes: 40 }]);
    expect(await w.run(day(2))).toMatchObject({ due: 1, sent: 0 });
    expect(w.inbox('ada@example.com')).toHaveLength(1);

    // The seed file read again lands on the same row, and arXiv is never asked about it.
    w.addPapers([seed], '2026-11-28T10:00:00Z');
    expect(w.db.prepare('SELECT count(*) FROM papers').pluck().get()).toBe(1);
    expect(new SeedLookupRepository(w.db).pending(10)).toEqual([]);
  });

  it('leaves a seed paper alone when only part of a title matches', async () => {
    const { db } = tempDb();
    const repo = new PaperRepository(db);
    repo.upsertMany([emptyPaper('seed-0123456789ab', 'seed', 'Attention Is All You Need')], '2026-11-26T10:00:00Z');
    repo.upsertMany([paper({ id: '2611.00001', title: 'Attention Is All You Need, Again' })], '2026-11-27T10:00:00Z');
    expect(db.prepare('SELECT id FROM papers ORDER BY seq').pluck().all()).toEqual(['seed-0123456789ab', '2611.00001']);
  });
});
