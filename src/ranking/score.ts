/**
 * The ranking formula, documented in the README ("How ranking works"):
 *
 *   score = relevance × freshness × (1 + log2(1 + upvotes))
 *   freshness = 0.5 ^ (age in days / HALF_LIFE_DAYS)
 *
 * relevance is the paper's BM25 score for its best-matching topic divided by
 * the best BM25 score of that topic's matches, so it lies in (0, 1] and
 * topics with long or short queries weigh the same. Upvotes count on a log
 * scale, so 400 votes beat 20 without drowning relevance; a paper with no
 * known votes keeps a factor of 1 and ranks by relevance and freshness alone.
 * Age runs from publication, or from when paperboy first stored the paper
 * when the source gave no date.
 */
export const HALF_LIFE_DAYS = 7;

const DAY_MS = 86_400_000;

export function ageInDays(publishedAt: string | null, ingestedAt: string, now: Date): number {
  const since = Date.parse(publishedAt ?? ingestedAt);
  return Math.max(0, (now.getTime() - since) / DAY_MS);
}

export function freshness(ageDays: number): number {
  return 0.5 ** (Math.max(0, ageDays) / HALF_LIFE_DAYS);
}

/** Upvotes decaying with age: the "trending" half of the score. */
export function trending(upvotes: number | null, ageDays: number): number {
  return freshness(ageDays) * (1 + Math.log2(1 + Math.max(0, upvotes ?? 0)));
}

/** The score from a trending factor already worked out, for ranking many readers at one instant. */
export function scoreWithTrend(relevance: number, trend: number): number {
  return relevance * trend;
}

export function score(relevance: number, upvotes: number | null, ageDays: number): number {
  return scoreWithTrend(relevance, trending(upvotes, ageDays));
}

/**
 * How far a reader's own model may move a paper: a paper the model likes as
 * much as it can (affinity 1) scores e^FEEDBACK_WEIGHT times as much as it
 * would by topics and trend alone, one it dislikes as much as it can scores
 * that much less. Set by `npm run eval:feedback`.
 *
 *   personal score = score × e^(FEEDBACK_WEIGHT × affinity),  affinity in (-1, 1)
 */
export const FEEDBACK_WEIGHT = 4;

export function withAffinity(score: number, affinity: number, weight: number = FEEDBACK_WEIGHT): number {
  return score * Math.exp(weight * affinity);
}
