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
  const best = new Map<number, { relevance: number; topics: Array<{ topic: Topic; relevance: number }> }>();
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

  const ranked: RankedPaper[] = [];
  for (const [seq, entry] of best) {
    const paper = papers.get(seq);
    if (!paper) continue;
    ranked.push({
      paper,
      score: scoreWithTrend(entry.relevance, trendOf(paper)),
      relevance: entry.relevance,
      topics: entry.topics.sort((a, b) => b.relevance - a.relevance).map((t) => t.topic),
    });
  }
  // Ties (equal scores) fall back to votes, then to the id, so order is stable.
  return ranked.sort(
    (a, b) => b.score - a.score || (b.paper.upvotes ?? 0) - (a.paper.upvotes ?? 0) || a.paper.id.localeCompare(b.paper.id),
  );
}
