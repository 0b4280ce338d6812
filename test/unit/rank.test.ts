import { describe, expect, it } from 'vitest';
import type { StoredPaper } from '../../src/papers/paper.repository.js';
import { personalise, rescoreWith } from '../../src/feedback/personal-ranking.js';
import { rankPapers, topRankedPapers } from '../../src/ranking/rank.js';
import { ageInDays, FEEDBACK_WEIGHT, freshness, HALF_LIFE_DAYS, score, trending, withAffinity } from '../../src/ranking/score.js';
import { parseTopic } from '../../src/topics/topic-grammar.js';
import { paper } from '../helpers/papers.js';
import { seededRandom } from '../kit/random.js';

const NOW = new Date('2026-11-26T12:00:00Z');

function stored(seq: number, overrides: Partial<StoredPaper> = {}): StoredPaper {
  const time = NOW.toISOString();
  return { ...paper({ publishedAt: time, upvotes: 0 }), seq, ingestedAt: time, updatedAt: time, ...overrides };
}

const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

describe('the score formula', () => {
  it('halves freshness every half-life and never exceeds 1', () => {
    expect(freshness(0)).toBe(1);
    expect(freshness(HALF_LIFE_DAYS)).toBeCloseTo(0.5);
    expect(freshness(2 * HALF_LIFE_DAYS)).toBeCloseTo(0.25);
    expect(freshness(-3)).toBe(1);
  });

  it('counts upvotes on a log scale, so votes help but do not drown relevance', () => {
    expect(trending(0, 0)).toBe(1);
    expect(trending(null, 0)).toBe(1);
    expect(trending(1, 0)).toBeCloseTo(2);
    expect(trending(255, 0)).toBeCloseTo(9);
    expect(score(1, 255, 0)).toBeCloseTo(9);
    expect(score(0.5, 255, HALF_LIFE_DAYS)).toBeCloseTo(2.25);
  });

  it("multiplies the score by e^(FEEDBACK_WEIGHT x affinity) for a reader's model, and leaves it alone at affinity 0", () => {
    expect(FEEDBACK_WEIGHT).toBe(4);
    expect(withAffinity(2, 0)).toBe(2);
    expect(withAffinity(2, 0.5)).toBeCloseTo(2 * Math.exp(2));
    expect(withAffinity(2, -0.5)).toBeCloseTo(2 * Math.exp(-2));
    expect(withAffinity(3, 1, 1)).toBeCloseTo(3 * Math.E);
  });

  it('measures age from publication, or from ingest when the date is unknown', () => {
    expect(ageInDays(daysAgo(3), daysAgo(1), NOW)).toBeCloseTo(3);
    expect(ageInDays(null, daysAgo(1), NOW)).toBeCloseTo(1);
    expect(ageInDays(daysAgo(-2), daysAgo(0), NOW)).toBe(0);
  });
});

describe('rankPapers', () => {
  const topic = parseTopic('lora');

  it('puts a trending paper above a slightly more relevant one with no votes', () => {
    const papers = new Map([
      [1, stored(1, { upvotes: 0 })],
      [2, stored(2, { upvotes: 120 })],
    ]);
    const ranked = rankPapers([{ topic, matches: [{ seq: 1, relevance: 10 }, { seq: 2, relevance: 8 }] }], papers, NOW);
    expect(ranked.map((r) => r.paper.seq)).toEqual([2, 1]);
    expect(ranked[1]).toMatchObject({ relevance: 1, score: 1 });
    expect(ranked[0]!.relevance).toBeCloseTo(0.8);
  });

  it('ranks papers without votes by relevance, then by freshness', () => {
    const papers = new Map([
      [1, stored(1, { upvotes: null, publishedAt: null, ingestedAt: daysAgo(14) })],
      [2, stored(2, { upvotes: null, publishedAt: null, ingestedAt: daysAgo(0) })],
      [3, stored(3, { upvotes: null, publishedAt: null, ingestedAt: daysAgo(0) })],
    ]);
    const matches = [
      { seq: 1, relevance: 10 },
      { seq: 2, relevance: 9 },
      { seq: 3, relevance: 3 },
    ];
    const ranked = rankPapers([{ topic, matches }], papers, NOW);
    expect(ranked.map((r) => r.paper.seq)).toEqual([2, 3, 1]);
  });

  it('lets old votes fade: last month’s hit loses to this morning’s paper', () => {
    const papers = new Map([
      [1, stored(1, { upvotes: 300, publishedAt: daysAgo(35) })],
      [2, stored(2, { upvotes: 20, publishedAt: daysAgo(0) })],
    ]);
    const ranked = rankPapers([{ topic, matches: [{ seq: 1, relevance: 5 }, { seq: 2, relevance: 5 }] }], papers, NOW);
    expect(ranked.map((r) => r.paper.seq)).toEqual([2, 1]);
  });

  it('lists a paper matched by several topics once, at its best relevance, with its topics best first', () => {
    const other = parseTopic('quantization');
    const papers = new Map([
      [1, stored(1)],
      [2, stored(2)],
    ]);
    const ranked = rankPapers(
      [
        { topic, matches: [{ seq: 1, relevance: 4 }, { seq: 2, relevance: 2 }] },
        { topic: other, matches: [{ seq: 2, relevance: 7 }] },
      ],
      papers,
      NOW,
    );
    expect(ranked).toHaveLength(2);
    const second = ranked.find((r) => r.paper.seq === 2)!;
    expect(second.relevance).toBe(1);
    expect(second.topics.map((t) => t.text)).toEqual(['quantization', 'lora']);
  });

  it('drops papers that vanished since matching and breaks ties by id', () => {
    const papers = new Map([
      [2, stored(2, { id: 'b' })],
      [3, stored(3, { id: 'a' })],
    ]);
    const matches = [1, 2, 3].map((seq) => ({ seq, relevance: 1 }));
    expect(rankPapers([{ topic, matches }], papers, NOW).map((r) => r.paper.id)).toEqual(['a', 'b']);
  });
});

describe('topRankedPapers', () => {
  const topics = ['lora', 'quantization', 'diffusion'].map((line) => parseTopic(line));

  it('gives the first papers of rankPapers (or, with a model, of personalise), in its order, and how many it would list', () => {
    const next = seededRandom(11);
    for (let round = 0; round < 200; round += 1) {
      const count = Math.floor(next() * 120);
      // Few distinct votes, relevances and dates, so ties on score and votes are common and the id decides.
      const papers = new Map(
        Array.from({ length: count }, (_, seq) => [
          seq,
          stored(seq, { id: `p${Math.floor(next() * 1e6)}-${seq}`, upvotes: next() < 0.2 ? null : Math.floor(next() * 4), publishedAt: daysAgo(Math.floor(next() * 3)) }),
        ]),
      );
      const perTopic = topics.map((topic) => ({
        topic,
        // Some matches name papers that are gone since matching.
        matches: Array.from({ length: Math.floor(next() * (count + 10)) }, () => ({ seq: Math.floor(next() * (count + 5)), relevance: 1 + Math.floor(next() * 3) })),
      }));
      const all = rankPapers(perTopic, papers, NOW);
      // A reader's model: affinities from a few values, so rescored ties happen too.
      const affinities = new Map([...papers.keys()].map((seq) => [seq, [-0.5, 0, 0, 0.25, 0.9][Math.floor(next() * 5)]!]));
      const affinityOf = (seq: number) => affinities.get(seq) ?? 0;
      const personal = personalise(rankPapers(perTopic, papers, NOW), affinityOf);
      for (const limit of [0, 1, 7, 50, 500]) {
        const { top, total } = topRankedPapers(perTopic, papers, NOW, limit);
        expect(total).toBe(all.length);
        expect(top).toEqual(all.slice(0, limit));
        const mine = topRankedPapers(perTopic, papers, NOW, limit, undefined, rescoreWith(affinityOf));
        expect(mine.total).toBe(personal.length);
        expect(mine.top.map(({ paper, score, topics: matched }) => ({ seq: paper.seq, score, matched }))).toEqual(
          personal.slice(0, limit).map(({ paper, score, topics: matched }) => ({ seq: paper.seq, score, matched })),
        );
      }
    }
  });
});

