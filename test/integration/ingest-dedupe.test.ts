import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connection.js';
import { PaperRepository } from '../../src/papers/paper.repository.js';
import { ARXIV_SPACING_MS, arxivFeed } from '../../src/papers/sources/arxiv.source.js';
import { hfDailyFeed } from '../../src/papers/sources/hf-daily.source.js';
import { createPacer } from '../../src/papers/sources/pacer.js';
import { atom, json, startFixtureServer } from '../helpers/fixture-server.js';
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
