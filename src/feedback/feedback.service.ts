import type { Logger } from '../logger.js';
import type { PaperVectorRepository } from '../papers/paper-vector.repository.js';
import type { PaperRepository, StoredPaper } from '../papers/paper.repository.js';
import type { Choice, FeedbackRepository, StoredChoice } from './feedback.repository.js';
import { DEFAULT_MODEL, fitModel, type ModelKind } from './reader-model.js';

/** Unmarked papers a refit reads as weak negatives: the reader's latest digests, not their whole history. */
export const UNMARKED_EXAMPLES = 60;

export interface FeedbackDeps {
  feedback: FeedbackRepository;
  papers: PaperRepository;
  vectors: PaperVectorRepository;
  logger: Logger;
  clock?: () => Date;
  model?: ModelKind;
}

/** What a reader can ask of a paper: mark it either way, or take their mark back. */
export type FeedbackAction = Choice | 'undo';

/**
 * "More like this" and "less like this": records a reader's choice and
 * refits their model in the same transaction, so a model is refitted
 * exactly when the choices change and a digest run only reads it.
 */
export class FeedbackService {
  private readonly now: () => Date;

  constructor(private readonly deps: FeedbackDeps) {
    this.now = deps.clock ?? (() => new Date());
  }

  /** The paper a feedback link names, or null when it is gone (withdrawn papers can still be marked). */
  paper(seq: number): StoredPaper | null {
    return this.deps.papers.findBySeqs([seq])[0] ?? null;
  }

  /** The reader's current choice for a paper, if any. */
  choiceFor(subscriberId: number, seq: number): Choice | null {
    return this.deps.feedback.choices(subscriberId).find((choice) => choice.seq === seq)?.choice ?? null;
  }

  /** Records (or undoes) a choice and refits; returns the choice now in force. */
  record(subscriberId: number, seq: number, action: FeedbackAction): Choice | null {
    const { feedback } = this.deps;
    feedback.atomically(() => {
      if (action === 'undo') feedback.removeChoice(subscriberId, seq);
      else feedback.setChoice(subscriberId, seq, action, this.now().toISOString());
      this.refit(subscriberId);
    });
    this.deps.logger.info({ subscriber: subscriberId, paper: seq, action }, 'reader feedback recorded');
    return action === 'undo' ? null : action;
  }

  list(subscriberId: number): StoredChoice[] {
    return this.deps.feedback.choices(subscriberId);
  }

  /** Forgets all of a reader's choices and their model; their digests rank by topics alone again. */
  clear(subscriberId: number): number {
    return this.deps.feedback.atomically(() => this.deps.feedback.clear(subscriberId));
  }

  private refit(subscriberId: number): void {
    const { feedback, vectors } = this.deps;
    const choices = feedback.choices(subscriberId);
    if (choices.length === 0) {
      feedback.dropModel(subscriberId);
      return;
    }
    const unmarked = feedback.unmarked(subscriberId, UNMARKED_EXAMPLES);
    const found = vectors.vectors([...choices.map((c) => c.seq), ...unmarked]);
    const vectorsOf = (seqs: readonly number[]) => seqs.flatMap((seq) => found.get(seq) ?? []);
    const liked = choices.filter((c) => c.choice === 'more').map((c) => c.seq);
    const disliked = choices.filter((c) => c.choice === 'less').map((c) => c.seq);
    const weights = fitModel({ positives: vectorsOf(liked), negatives: vectorsOf(disliked), unmarked: vectorsOf(unmarked) }, this.deps.model ?? DEFAULT_MODEL);
    feedback.saveModel(subscriberId, { weights, positives: liked.length, negatives: disliked.length, liked }, this.now().toISOString());
  }
}
