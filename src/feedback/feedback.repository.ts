import type { Db } from '../db/connection.js';
import { writeTransaction } from '../db/write-transaction.js';
import { decodeVector, encodeVector } from '../papers/paper-vector.js';
import type { ModelWeights, Weights } from './reader-model.js';

export type Choice = 'more' | 'less';

/** A reader's choice, with what the preferences page and the data export show of its paper. */
export interface StoredChoice {
  seq: number;
  paperId: string;
  title: string;
  choice: Choice;
  chosenAt: string;
}

/** What a digest run needs of a reader's model. */
export interface ReaderModel {
  weights: ModelWeights;
  positives: number;
  /** The papers they marked "more like this", latest first: what "like <paper>" can name. */
  liked: number[];
}

/** How many liked papers a model keeps for "like <paper>"; the latest are the ones a reader remembers. */
const LIKED_KEPT = 20;
/**
 * A model keeps its strongest weights only: a reader's few dozen examples
 * touch thousands of features, most with weights too small to move a rank,
 * and every kept one is read for each digest.
 */
export const MODEL_FEATURES = 1_000;

/** Reads and writes readers' choices and their fitted models. */
export class FeedbackRepository {
  private readonly upsertChoice;
  private readonly deleteChoice;
  private readonly deleteChoices;
  private readonly choiceRows;
  private readonly unmarkedRows;
  private readonly upsertModel;
  private readonly deleteModel;
  private readonly modelRows;

  constructor(private readonly db: Db) {
    this.upsertChoice = db.prepare<[number, number, Choice, string]>(`
      INSERT INTO feedback_choices (subscriber_id, paper_seq, choice, chosen_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (subscriber_id, paper_seq) DO UPDATE SET choice = excluded.choice, chosen_at = excluded.chosen_at`);
    this.deleteChoice = db.prepare<[number, number]>('DELETE FROM feedback_choices WHERE subscriber_id = ? AND paper_seq = ?');
    this.deleteChoices = db.prepare<[number]>('DELETE FROM feedback_choices WHERE subscriber_id = ?');
    this.choiceRows = db.prepare<[number], StoredChoice>(`
      SELECT c.paper_seq AS seq, p.id AS paperId, p.title, c.choice, c.chosen_at AS chosenAt
      FROM feedback_choices c JOIN papers p ON p.seq = c.paper_seq
      WHERE c.subscriber_id = ? ORDER BY c.chosen_at DESC, c.paper_seq DESC`);
    // The latest papers the reader was sent and left unmarked: the model's weak negatives.
    this.unmarkedRows = db.prepare<[number, number, number], { seq: number }>(`
      SELECT sp.paper_seq AS seq FROM sent_papers sp
      WHERE sp.subscriber_id = ? AND NOT EXISTS (
        SELECT 1 FROM feedback_choices c WHERE c.subscriber_id = ? AND c.paper_seq = sp.paper_seq)
      ORDER BY sp.paper_seq DESC LIMIT ?`);
    this.upsertModel = db.prepare<[number, Buffer, number, number, string, string]>(`
      INSERT INTO reader_models (subscriber_id, weights, positives, negatives, liked, fitted_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (subscriber_id) DO UPDATE SET weights = excluded.weights, positives = excluded.positives,
        negatives = excluded.negatives, liked = excluded.liked, fitted_at = excluded.fitted_at`);
    this.deleteModel = db.prepare<[number]>('DELETE FROM reader_models WHERE subscriber_id = ?');
    this.modelRows = db.prepare<[string], { subscriber_id: number; weights: Buffer; positives: number; liked: string }>(
      'SELECT subscriber_id, weights, positives, liked FROM reader_models WHERE subscriber_id IN (SELECT value FROM json_each(?))',
    );
  }

  /** Runs `work` in one transaction: a choice and the refit it causes land together. */
  atomically<T>(work: () => T): T {
    return writeTransaction(this.db, work);
  }

  setChoice(subscriberId: number, seq: number, choice: Choice, at: string): void {
    this.upsertChoice.run(subscriberId, seq, choice, at);
  }

  /** True when there was a choice to undo. */
  removeChoice(subscriberId: number, seq: number): boolean {
    return this.deleteChoice.run(subscriberId, seq).changes > 0;
  }

  /** Forgets every choice of the reader, and their model; returns how many choices went. */
  clear(subscriberId: number): number {
    this.deleteModel.run(subscriberId);
    return this.deleteChoices.run(subscriberId).changes;
  }

  /** The reader's choices, latest first. */
  choices(subscriberId: number): StoredChoice[] {
    return this.choiceRows.all(subscriberId);
  }

  unmarked(subscriberId: number, limit: number): number[] {
    return this.unmarkedRows.all(subscriberId, subscriberId, limit).map((row) => row.seq);
  }

  saveModel(subscriberId: number, model: { weights: Weights; positives: number; negatives: number; liked: number[] }, at: string): void {
    const strongest = [...model.weights.keys()].sort((a, b) => Math.abs(model.weights.get(b)!) - Math.abs(model.weights.get(a)!));
    const features = Uint32Array.from(strongest.slice(0, MODEL_FEATURES).sort((a, b) => a - b));
    const weights = Float32Array.from(features, (feature) => model.weights.get(feature)!);
    const liked = JSON.stringify(model.liked.slice(0, LIKED_KEPT));
    this.upsertModel.run(subscriberId, encodeVector({ features, weights }), model.positives, model.negatives, liked, at);
  }

  dropModel(subscriberId: number): void {
    this.deleteModel.run(subscriberId);
  }

  /** The models of those of these readers who have one: one query for a batch of readers. */
  models(subscriberIds: readonly number[]): Map<number, ReaderModel> {
    const found = new Map<number, ReaderModel>();
    if (subscriberIds.length === 0) return found;
    for (const row of this.modelRows.all(JSON.stringify(subscriberIds))) {
      found.set(row.subscriber_id, { weights: decodeVector(row.weights), positives: row.positives, liked: JSON.parse(row.liked) as number[] });
    }
    return found;
  }
}
