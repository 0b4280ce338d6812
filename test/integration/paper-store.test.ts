import { describe, expect, it } from 'vitest';
import { ingestPapers } from '../../src/papers/ingest.js';
import { PaperRepository } from '../../src/papers/paper.repository.js';
import { TopicMatcher } from '../../src/topics/topic-matcher.js';
import { parseTopic } from '../../src/topics/topic-grammar.js';
import { paper, tempDb } from '../helpers/store.js';

const DAY1 = new Date('2026-11-25T08:00:00Z');
const DAY2 = new Date('2026-11-26T08:00:00Z');

describe('paper store', () => {
  it('keeps every field a source gives', () => {
    const { db } = tempDb();
    const repo = new PaperRepository(db);
    const input = paper({
      id: '2410.17243',
      title: 'Breaking the Memory Barrier',
      authors: ['Zesen Cheng', 'Hang Zhang'],
      keywords: ['contrastive loss', 'tiling'],
      categories: ['cs.CV'],
      upvotes: 64,
      publishedAt: '2024-10-22T17:59:30.000Z',
      pageUrl: 'https://huggingface.co/papers/2410.17243',
      pdfUrl: 'https://arxiv.org/pdf/2410.17243',
      codeUrl: 'https://github.com/DAMO-NLP-SG/Inf-CLIP',
      projectUrl: 'https://example.org/inf-clip',
      thumbnailUrl: 'https://cdn.example.org/thumb.png',
      aiSummary: 'Tiles the similarity matrix.',
    });
    expect(ingestPapers(repo, [input], DAY1)).toMatchObject({ added: 1, updated: 0, unchanged: 0, rejected: [] });
    expect(repo.findById('2410.17243')).toMatchObject({
      ...input,
      ingestedAt: DAY1.toISOString(),
      updatedAt: DAY1.toISOString(),
    });
    expect(repo.findById('2410.99999')).toBeNull();
  });

  it('updates upvotes on re-ingest without a duplicate, and keeps the first ingest time', () => {
    const { db } = tempDb();
    const repo = new PaperRepository(db);
    const first = paper({ id: '2410.00001', upvotes: 5 });
    ingestPapers(repo, [first], DAY1);

    expect(ingestPapers(repo, [first], DAY2)).toMatchObject({ added: 0, updated: 0, unchanged: 1 });
    expect(ingestPapers(repo, [{ ...first, upvotes: 42 }], DAY2)).toMatchObject({ added: 0, updated: 1, unchanged: 0 });

    expect(repo.count()).toBe(1);
    expect(repo.findById('2410.00001')).toMatchObject({ upvotes: 42, ingestedAt: DAY1.toISOString(), updatedAt: DAY2.toISOString() });
  });

  it('never lets a source that does not know a field erase it', () => {
    const { db } = tempDb();
    const repo = new PaperRepository(db);
    ingestPapers(repo, [paper({ id: '2410.00002', upvotes: 30, codeUrl: 'https://github.com/a/b', authors: ['A B'] })], DAY1);
    ingestPapers(repo, [paper({ id: '2410.00002', source: 'arxiv', upvotes: null, codeUrl: null, authors: [] })], DAY2);
    expect(repo.findById('2410.00002')).toMatchObject({ source: 'hf', upvotes: 30, codeUrl: 'https://github.com/a/b', authors: ['A B'] });
  });

  it('lets a higher-ranked source (hf over arxiv) take over links and title, and a lower one only fill gaps', () => {
    const { db } = tempDb();
    const repo = new PaperRepository(db);
    const fromArxiv = paper({
      id: '2410.00011',
      source: 'arxiv',
      title: 'Title As arXiv Has It',
      upvotes: null,
      categories: ['cs.CL'],
      pageUrl: 'https://arxiv.org/abs/2410.00011',
    });
    const fromHf = paper({
      id: '2410.00011',
      source: 'hf',
      title: 'Title As HF Has It',
      upvotes: 12,
      categories: [],
      pageUrl: 'https://huggingface.co/papers/2410.00011',
    });
    ingestPapers(repo, [fromArxiv], DAY1);
    expect(ingestPapers(repo, [fromHf], DAY2)).toMatchObject({ updated: 1 });
    const expected = { source: 'hf', title: 'Title As HF Has It', upvotes: 12, categories: ['cs.CL'], pageUrl: 'https://huggingface.co/papers/2410.00011' };
    expect(repo.findById('2410.00011')).toMatchObject(expected);

    // arXiv again: nothing it says outranks what HF said.
    expect(ingestPapers(repo, [fromArxiv], DAY2)).toMatchObject({ unchanged: 1 });
    expect(repo.findById('2410.00011')).toMatchObject(expected);
  });

  it('keeps the full-text index in step with inserts and text updates', () => {
    const { db } = tempDb();
    const repo = new PaperRepository(db);
    const matcher = new TopicMatcher(db);
    const lora = parseTopic('LoRA');
    ingestPapers(repo, [paper({ id: '2410.00003', title: 'Plain adapters' })], DAY1);
    expect(matcher.match(lora)).toEqual([]);

    ingestPapers(repo, [paper({ id: '2410.00003', title: 'LoRA adapters' })], DAY2);
    expect(matcher.match(lora).map((m) => repo.findBySeqs([m.seq])[0]?.id)).toEqual(['2410.00003']);
    const index = db.prepare("INSERT INTO papers_fts (papers_fts, rank) VALUES ('integrity-check', 1)");
    expect(() => index.run()).not.toThrow();
  });

  it('stores each batch in one transaction: a failure stores nothing of it', () => {
    const { db } = tempDb();
    const repo = new PaperRepository(db);
    const good = paper({ id: '2410.00004' });
    // The second paper breaks a schema constraint after the first was written.
    const bad = { ...paper({ id: '2410.00005' }), source: 'nowhere' as 'hf' };
    expect(() => ingestPapers(repo, [good, bad], DAY1)).toThrow(/CHECK constraint failed/);
    expect(repo.count()).toBe(0);
  });

  it('rejects papers it cannot store, with a reason, and stores the rest', () => {
    const { db } = tempDb();
    const repo = new PaperRepository(db);
    const result = ingestPapers(repo, [paper({ id: '2410.00006' }), paper({ id: '2410.00007', title: '  \n ' }), paper({ id: '' })], DAY1);
    expect(result).toMatchObject({ added: 1 });
    expect(result.rejected).toEqual([
      { id: '2410.00007', reason: 'the title is empty' },
      { id: '', reason: 'the id is empty or holds characters an id never has' },
    ]);
    expect(repo.count()).toBe(1);
  });

  it('stores hostile text as text: markup kept for escaping, line breaks out of titles, links only when http(s)', () => {
    const { db } = tempDb();
    const repo = new PaperRepository(db);
    ingestPapers(
      repo,
      [
        paper({
          id: '2410.00008',
          title: '<script>alert(1)</script>\r\nBcc: victim@example.com',
          abstract: 'A'.repeat(100_000),
          authors: ['Eve\r\nX-Injected: 1'],
          codeUrl: 'javascript:alert(1)',
          pageUrl: 'https://example.org/ok',
        }),
      ],
      DAY1,
    );
    const stored = repo.findById('2410.00008')!;
    expect(stored.title).toBe('<script>alert(1)</script> Bcc: victim@example.com');
    expect(stored.authors).toEqual(['Eve X-Injected: 1']);
    expect(stored.abstract.length).toBeLessThanOrEqual(20_000);
    expect(stored.abstract.endsWith('…')).toBe(true);
    expect(stored.codeUrl).toBeNull();
    expect(stored.pageUrl).toBe('https://example.org/ok');
  });

  it('stores text in the form topics are typed in: NFKC, without bidirectional overrides', () => {
    const { db } = tempDb();
    const repo = new PaperRepository(db);
    const matcher = new TopicMatcher(db);
    ingestPapers(
      repo,
      [paper({ id: '2410.00010', title: 'ＬｏＲＡ ﬁne-tuning\u202e of R² probes', abstract: '\ufeffAbstract.', authors: ['A\u2066li'] })],
      DAY1,
    );
    const stored = repo.findById('2410.00010')!;
    expect(stored.title).toBe('LoRA fine-tuning of R2 probes');
    expect(stored.abstract).toBe('Abstract.');
    expect(stored.authors).toEqual(['Ali']);
    for (const topic of ['lora', 'fine-tuning', 'R²', 'r2', 'ali']) {
      expect(matcher.match(parseTopic(topic)), topic).toHaveLength(1);
    }
  });

  it('never matches a withdrawn paper', () => {
    const { db } = tempDb();
    const repo = new PaperRepository(db);
    const matcher = new TopicMatcher(db);
    ingestPapers(repo, [paper({ id: '2410.00009', title: 'LoRA for all' })], DAY1);
    expect(matcher.match(parseTopic('lora'))).toHaveLength(1);
    ingestPapers(repo, [paper({ id: '2410.00009', title: 'LoRA for all', withdrawnAt: '2026-11-26T00:00:00Z' })], DAY2);
    expect(matcher.match(parseTopic('lora'))).toEqual([]);
  });
});
