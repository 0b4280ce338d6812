import type { SparseVector } from '../papers/paper-vector.js';
import { cosine } from '../papers/paper-vector.js';
import { byRank, type RankedPaper, type Rescore } from '../ranking/rank.js';
import { withAffinity } from '../ranking/score.js';
import type { ReaderModel } from './feedback.repository.js';
import { affinity, type Weights } from './reader-model.js';

/** "You may also like" waits for this many "more like this" choices: fewer say too little about a reader. */
export const ALSO_LIKE_MIN_POSITIVES = 3;
/** Never more than this many papers outside the reader's topics in one digest. */
export const ALSO_LIKE_MAX = 2;
/** A paper outside the topics is offered only when the model clearly likes it. */
export const ALSO_LIKE_MIN_AFFINITY = 0.2;
/** "Like <paper you marked>" is said only when the two papers are this close (cosine of their vectors). */
export const LIKE_MIN_SIMILARITY = 0.15;

export type VectorOf = (seq: number) => SparseVector | undefined;

export interface PersonalPaper extends RankedPaper {
  /** The model's affinity for the paper, in (-1, 1); 0 without a model. */
  affinity: number;
}

/** A reader's affinity for a paper, in (-1, 1); 0 for a paper with no vector. */
export type AffinityOf = (seq: number) => number;

/** `AffinityOf` straight from a model's weights and the papers' vectors, for callers that score few papers. */
export function affinityOfVectors(weights: Weights, vectorOf: VectorOf): AffinityOf {
  return (seq) => {
    const vector = vectorOf(seq);
    return vector ? affinity(weights, vector) : 0;
  };
}

/**
 * A reader's score for a paper from its topic score, for `topRankedPapers`:
 * the order it gives is the order `personalise` gives the whole list.
 */
export function rescoreWith(affinityOf: AffinityOf, weight?: number): Rescore {
  return (seq, score) => withAffinity(score, affinityOf(seq), weight);
}

/**
 * Re-scores a reader's topic-ranked papers with their model (see
 * `withAffinity`) and sorts them again, with the same tie-breaks as
 * `rankPapers`. Papers with no vector keep their score.
 */
export function personalise(ranked: readonly RankedPaper[], affinityOf: AffinityOf, weight?: number): PersonalPaper[] {
  const personal = new Array<PersonalPaper>(ranked.length);
  for (let i = 0; i < ranked.length; i += 1) {
    const { paper, score, relevance, topics } = ranked[i]!;
    const a = affinityOf(paper.seq);
    personal[i] = { paper, relevance, topics, affinity: a, score: withAffinity(score, a, weight) };
  }
  return personal.sort(byRank);
}

/**
 * The paper the reader marked that this one is most like, when the model
 * raised it and the two are close enough to say so; otherwise null.
 */
export function likenedTo(seq: number, raised: number, model: ReaderModel, vectorOf: VectorOf): number | null {
  if (raised <= 0) return null;
  const vector = vectorOf(seq);
  if (!vector) return null;
  let best: number | null = null;
  let bestSimilarity = LIKE_MIN_SIMILARITY;
  for (const liked of model.liked) {
    const other = liked === seq ? undefined : vectorOf(liked);
    const similarity = other ? cosine(vector, other) : 0;
    if (similarity >= bestSimilarity) [best, bestSimilarity] = [liked, similarity];
  }
  return best;
}

/**
 * Up to ALSO_LIKE_MAX papers from `pool` (outside the reader's topics, new
 * to them) that the model scores highest, once the reader has said "more
 * like this" often enough. The caller offers them only beside a digest that
 * has papers of its own.
 */
export function alsoLike(pool: readonly number[], model: Pick<ReaderModel, 'positives'>, affinityOf: AffinityOf): Array<{ seq: number; affinity: number }> {
  if (model.positives < ALSO_LIKE_MIN_POSITIVES) return [];
  const scored: Array<{ seq: number; affinity: number }> = [];
  for (const seq of pool) {
    const a = affinityOf(seq);
    if (a >= ALSO_LIKE_MIN_AFFINITY) scored.push({ seq, affinity: a });
  }
  return scored.sort((a, b) => b.affinity - a.affinity || a.seq - b.seq).slice(0, ALSO_LIKE_MAX);
}
