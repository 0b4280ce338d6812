import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connection.js';
import { AbbreviationRepository } from '../../src/papers/abbreviation.repository.js';
import type { PaperInput } from '../../src/papers/paper.js';
import { PaperRepository } from '../../src/papers/paper.repository.js';
import { seedPaperToInput } from '../../src/papers/sources/seed-page.js';
import { rekeyTopics } from '../../src/subscriptions/topic-rekey.js';
import { PaperSearch } from '../../src/ranking/paper-search.js';
import { parseTopic } from '../../src/topics/topic-grammar.js';
import { TopicMatcher, type MatcherOptions } from '../../src/topics/topic-matcher.js';
import { paper, storePapers, tempDb } from '../helpers/store.js';

const NOW = new Date('2026-11-26T12:00:00Z');

const written = (id: string, title: string, abstract: string, extra: Partial<PaperInput> = {}) =>
  paper({ id, title, abstract, authors: ['Grace Hopper'], keywords: [], ...extra });

function library(papers: PaperInput[], options: MatcherOptions = {}) {
  const { db } = tempDb();
  storePapers(db, papers);
  const matcher = new TopicMatcher(db, options);
  const ids = new Map(db.prepare<[], { seq: number; id: string }>('SELECT seq, id FROM papers').all().map((r) => [r.seq, r.id] as const));
  const match = (line: string) => matcher.match(parseTopic(line)).map((m) => ids.get(m.seq)!).sort();
  const search = new PaperSearch(matcher, new PaperRepository(db));
  return { db, matcher, match, search };
}

const definitions = (db: Db) =>
  new AbbreviationRepository(db)
    .definitionCounts()
    .map((d) => `${d.papers} ${d.abbr} = ${d.longForm}`)
    .sort();

describe('abbreviations mined at ingest', () => {
  it('fills the table from titles and abstracts, counting each paper once', () => {
    const { db } = library([
      written('a', 'Sparse routing', 'We study parameter-efficient fine-tuning (PEFT) of large language models (LLMs). PEFT is cheap.'),
      written('b', 'Adapters again', 'Parameter-efficient fine-tuning (PEFT) methods freeze the backbone.'),
      written('c', 'Nothing defined', 'This abstract defines (nothing) and says (i) and (ii).'),
    ]);
    expect(definitions(db)).toEqual(['1 llm = large language model', '2 peft = parameter efficient fine tuning']);

    // Re-ingesting a paper with new text replaces what it defined, never adds to it.
    storePapers(db, [written('a', 'Sparse routing', 'Mixture of experts (MoE) layers route tokens.', { source: 'hf', upvotes: 11 })]);
    expect(definitions(db)).toEqual(['1 moe = mixture of expert', '1 peft = parameter efficient fine tuning']);
  });

  it('lets a topic use a definition enough papers give, and shows where it came from', () => {
    const mined = [
      written('d1', 'One', 'Spiking neural networks (SNNs) are efficient.'),
      written('d2', 'Two', 'We train spiking neural networks (SNN) on events.'),
      written('long-only', 'Energy use of spiking neural networks', 'Neuromorphic chips.'),
    ];
    const { match, search } = library(mined, { glossary: [] });
    expect(match('SNN')).toEqual(['d1', 'd2', 'long-only']);
    const found = search.search('SNN', { limit: 5, now: NOW }).find((r) => r.id === 'long-only');
    expect(found?.expansions).toEqual(['SNN → spiking neural network']);

    // With a single paper behind it, a definition is not trusted yet.
    const { match: strict } = library(mined.slice(1), { glossary: [] });
    expect(strict('SNN')).toEqual(['d2']);
  });

  it('resolves an abbreviation with several long forms by majority', () => {
    const { match } = library(
      [
        written('c1', 'A', 'Continual learning (CL) learns tasks in sequence.'),
        written('c2', 'B', 'In continual learning (CL), forgetting is the problem.'),
        written('c3', 'C', 'Replay for continual learning (CL).'),
        written('k1', 'D', 'Curriculum learning (CL) orders examples by difficulty.'),
        written('only-continual', 'Continual learning at the edge', 'Tasks arrive one by one.'),
        written('only-curriculum', 'Curriculum learning for speech', 'Easy examples first.'),
      ],
      { glossary: [] },
    );
    const found = match('CL');
    expect(found).toContain('only-continual');
    expect(found).not.toContain('only-curriculum');
  });
});

describe('expanded topics', () => {
  const papers = [
    written('peft-long', 'Adapters for everyone', 'A survey of parameter-efficient fine-tuning with adapters.'),
    written('peft-lora', 'Low-rank updates', 'Parameter-efficient fine-tuning by low-rank updates.'),
    written('peft-short', 'PEFT at scale', 'We compare methods.'),
    written('lifelong', 'Continual learning without replay', 'New tasks arrive over time.'),
    written('drive', 'Planning for autonomous driving', 'Trajectories in traffic.'),
    written('gen', 'Image generation with diffusion', 'We generate images from text.'),
    written('genz', 'Generalization bounds for deep networks', 'How networks generalize to unseen data.'),
    written('contrast', 'Robust training', 'In contrast to prior work, our loss is bounded.'),
    written('contrastive', 'Scaling contrastive loss', 'A contrastive loss over huge batches.'),
  ];

  it('finds papers that only use the long form or a synonym', () => {
    const { match } = library(papers);
    expect(match('PEFT')).toEqual(['peft-long', 'peft-lora', 'peft-short']);
    expect(match('lifelong learning')).toEqual(['lifelong']);
    expect(match('self-driving cars')).toEqual(['drive']);
  });

  it('applies the exclusions to every expanded line', () => {
    const { match } = library(papers);
    expect(match('PEFT -adapters')).toEqual(['peft-lora', 'peft-short']);
  });

  it('takes =word and a quoted single word exactly, with no expansion', () => {
    const { match } = library(papers);
    expect(match('=PEFT')).toEqual(['peft-short']);
    expect(match('"PEFT"')).toEqual(['peft-short']);
    expect(parseTopic('=PEFT').key).toBe('=peft');
    expect(parseTopic('PEFT').key).toBe('peft');
  });

  it('keeps "generation" and "generalization" apart', () => {
    const { match } = library(papers);
    expect(match('generation')).toEqual(['gen']);
    expect(match('generalization')).toEqual(['genz']);
  });

  it('does not match "contrastive loss" on "in contrast … loss"', () => {
    const { match } = library(papers);
    expect(match('contrastive loss')).toEqual(['contrastive']);
  });

  it('says in the results what each expansion was', () => {
    const { search } = library(papers);
    const results = search.search('PEFT', { limit: 10, now: NOW });
    expect(results.find((r) => r.id === 'peft-long')?.expansions).toEqual(['PEFT → parameter-efficient fine-tuning']);
    expect(results.find((r) => r.id === 'peft-short')?.expansions).toEqual([]);
  });
});

describe('honest ages', () => {
  it('ranks a voted paper whose title matches above a seed paper, which is dated by the seed page', () => {
    const seedPaper = seedPaperToInput({
      id: 'seed-0123456789ab',
      title: 'Robust adaptation in contrastive loss landscapes',
      abstract: 'We revisit the contrastive loss for adaptation.',
      codeUrl: null,
      projectUrl: null,
    });
    const voted = written('2503.01234', 'Scaling contrastive loss', 'Batches of millions.', {
      upvotes: 64,
      publishedAt: '2025-03-20T00:00:00.000Z',
    });
    const { search } = library([seedPaper, voted]);
    const ranked = search.search('contrastive loss', { limit: 5, now: NOW }).map((r) => r.id);
    expect(ranked).toEqual(['2503.01234', 'seed-0123456789ab']);
  });
});

describe('stored topic keys', () => {
  it('re-keys a quoted single word, which is now exact, and leaves other topics alone', () => {
    const { db } = tempDb();
    db.prepare(
      `INSERT INTO subscribers (id, email, status, frequency, send_hour, timezone, created_at, updated_at)
       VALUES (1, 'ada@example.com', 'active', 'daily', 8, 'UTC', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`,
    ).run();
    const insert = db.prepare('INSERT INTO subscriber_topics (subscriber_id, position, text, key) VALUES (1, ?, ?, ?)');
    // Keys as the grammar made them before exact terms existed.
    insert.run(0, '"PEFT"', 'peft');
    insert.run(1, 'LoRA', 'lora');
    insert.run(2, '"mixture of experts" -video', '"mixture of experts" -video');

    expect(rekeyTopics(db)).toBe(1);
    const keys = db.prepare<[], { key: string }>('SELECT key FROM subscriber_topics ORDER BY position').all().map((row) => row.key);
    expect(keys).toEqual(['=peft', 'lora', '"mixture of experts" -video']);
    // Each stored key is what the grammar makes of its text now, so a digest run groups them rightly.
    expect(rekeyTopics(db)).toBe(0);
  });
});
