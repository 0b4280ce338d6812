import type { PaperVectorRepository } from '../papers/paper-vector.repository.js';
import type { PaperRepository } from '../papers/paper.repository.js';
import type { SparseVector } from '../papers/paper-vector.js';
import type { AffinityOf } from './personal-ranking.js';
import type { FeedbackRepository, ReaderModel } from './feedback.repository.js';
import { FeatureSpace, type ModelWeights, type SpaceVector } from './reader-model.js';

/** Papers a run considers for "You may also like": its newest, most upvoted. Small, so scoring it per reader is cheap. */
export const ALSO_LIKE_POOL = 200;

/**
 * What a digest run reads of readers' feedback: the models of a batch of
 * readers (only those who made choices have one), and, once per run, the
 * vectors of the papers it ranks and the "You may also like" pool.
 */
export class ReaderFeedback {
  constructor(
    private readonly feedback: FeedbackRepository,
    private readonly vectors: PaperVectorRepository,
    private readonly papers: PaperRepository,
  ) {}

  models(subscriberIds: readonly number[]): Map<number, ReaderModel> {
    return this.feedback.models(subscriberIds);
  }

  forRun(since: string, watermark: number): RunVectors {
    return new RunVectors(this.vectors, () => this.papers.recentSeqs(since, watermark, ALSO_LIKE_POOL));
  }
}

/**
 * One run's cache of paper vectors: each is read from the store at most once
 * per run, and numbered into the run's feature space for scoring.
 */
export class RunVectors {
  private readonly cache = new Map<number, SparseVector | null>();
  private readonly space = new FeatureSpace();
  private readonly inSpace = new Map<number, SpaceVector>();
  private poolSeqs: number[] | null = null;

  constructor(
    private readonly vectors: PaperVectorRepository,
    private readonly loadPool: () => number[],
  ) {}

  /** Loads the vectors of these papers that are not cached yet, in one query. */
  load(seqs: Iterable<number>): void {
    const missing = [...seqs].filter((seq) => !this.cache.has(seq));
    if (missing.length === 0) return;
    const found = this.vectors.vectors(missing);
    for (const seq of missing) {
      const vector = found.get(seq) ?? null;
      this.cache.set(seq, vector);
      if (vector) this.inSpace.set(seq, this.space.add(vector));
    }
  }

  readonly vectorOf = (seq: number): SparseVector | undefined => this.cache.get(seq) ?? undefined;

  /** A reader's affinity for each loaded paper (0 for a paper with no vector), through the run's feature space. */
  affinityOf(weights: ModelWeights): AffinityOf {
    return (seq) => {
      const vector = this.inSpace.get(seq);
      return vector ? this.space.affinity(weights, vector) : 0;
    };
  }

  pool(): number[] {
    if (!this.poolSeqs) {
      this.poolSeqs = this.loadPool();
      this.load(this.poolSeqs);
    }
    return this.poolSeqs;
  }
}
