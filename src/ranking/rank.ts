import type { StoredPaper } from '../papers/paper.repository.js';
import type { Topic } from '../topics/topic-grammar.js';
import type { TopicMatch } from '../topics/topic-matcher.js';
import { ageInDays, scoreWithTrend, trending } from './score.js';

export interface TopicMatches {
  topic: Topic;
  /** Most relevant first, as the matcher returns them. */
  matches: readonly TopicMatch[];
}

export interface RankedPaper {
  paper: StoredPaper;
  score: number;
  /** Relevance to the best-matching topic, in (0, 1]. */
  relevance: number;
  /** The topics that matched the paper, best first. */
  topics: Topic[];
}

/** A paper's trending factor at `now` (see score.ts). */
export type TrendOf = (paper: StoredPaper) => number;

export const trendAt =
  (now: Date): TrendOf =>
  (paper) =>
    trending(paper.upvotes, ageInDays(paper.publishedAt, paper.ingestedAt, now));

interface Merged {
  relevance: number;
  topics: Array<{ topic: Topic; relevance: number }>;
}

/** Each matched paper once, at its best relevance, with every topic that matched it. */
function mergeMatches(perTopic: readonly TopicMatches[]): Map<number, Merged> {
  const best = new Map<number, Merged>();
  for (const { topic, matches } of perTopic) {
    const top = matches.reduce((max, match) => Math.max(max, match.relevance), 0);
    if (top <= 0) continue;
    for (const match of matches) {
      const relevance = match.relevance / top;
      const entry = best.get(match.seq) ?? { relevance: 0, topics: [] };
      entry.relevance = Math.max(entry.relevance, relevance);
      entry.topics.push({ topic, relevance });
      best.set(match.seq, entry);
    }
  }
  return best;
}

/** Best first; ties (equal scores) fall back to votes, then to the id, so order is stable. */
export const byRank = (a: Pick<RankedPaper, 'score' | 'paper'>, b: Pick<RankedPaper, 'score' | 'paper'>) =>
  b.score - a.score || (b.paper.upvotes ?? 0) - (a.paper.upvotes ?? 0) || a.paper.id.localeCompare(b.paper.id);

const ranked = (paper: StoredPaper, score: number, entry: Merged): RankedPaper => ({
  paper,
  score,
  relevance: entry.relevance,
  topics: entry.topics.sort((a, b) => b.relevance - a.relevance).map((t) => t.topic),
});

/**
 * Merges the matches of several topics into one list, best first. A paper
 * matched by several topics is listed once, at its best relevance. Papers
 * missing from `papers` (withdrawn or deleted since matching) are dropped.
 * `trendOf` lets a caller that ranks for many readers at one instant (a
 * digest run) work out each paper's trending factor once.
 */
export function rankPapers(
  perTopic: readonly TopicMatches[],
  papers: ReadonlyMap<number, StoredPaper>,
  now: Date,
  trendOf: TrendOf = trendAt(now),
): RankedPaper[] {
  const all: RankedPaper[] = [];
  for (const [seq, entry] of mergeMatches(perTopic)) {
    const paper = papers.get(seq);
    if (paper) all.push(ranked(paper, scoreWithTrend(entry.relevance, trendOf(paper)), entry));
  }
  return all.sort(byRank);
}

/** A reader's own score for a paper, from its score by topics and trend (a model raising or lowering it). */
export type Rescore = (seq: number, score: number) => number;

/**
 * The first `limit` papers of `rankPapers`, in its order, and how many it
 * would list in all, without building and sorting the rest: a digest keeps
 * a few dozen of the hundreds of papers a broad topic matches. With
 * `rescore`, papers are ordered by the score it gives (with the same
 * tie-breaks), which is what `personalise` does to the whole list.
 */
export function topRankedPapers(
  perTopic: readonly TopicMatches[],
  papers: ReadonlyMap<number, StoredPaper>,
  now: Date,
  limit: number,
  trendOf: TrendOf = trendAt(now),
  rescore?: Rescore,
): { top: RankedPaper[]; total: number } {
  // Kept best first; a candidate that ranks below the last of a full list is passed over.
  const kept: Array<{ paper: StoredPaper; score: number; entry: Merged }> = [];
  let total = 0;
  for (const [seq, entry] of mergeMatches(perTopic)) {
    const paper = papers.get(seq);
    if (!paper) continue;
    total += 1;
    const score = scoreWithTrend(entry.relevance, trendOf(paper));
    const candidate = { paper, score: rescore ? rescore(seq, score) : score, entry };
    if (kept.length === limit && (limit === 0 || byRank(candidate, kept[limit - 1]!) >= 0)) continue;
    let at = kept.length;
    while (at > 0 && byRank(candidate, kept[at - 1]!) < 0) at -= 1;
    kept.splice(at, 0, candidate);
    if (kept.length > limit) kept.pop();
  }
  return { top: kept.map(({ paper, score, entry }) => ranked(paper, score, entry)), total };
}
