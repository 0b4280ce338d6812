import type { Db } from '../src/db/connection.js';
import { affinityOfVectors, personalise } from '../src/feedback/personal-ranking.js';
import { fitModel, MODEL_KINDS, type ModelKind, type TrainingSet, type Weights } from '../src/feedback/reader-model.js';
import { UNMARKED_EXAMPLES } from '../src/feedback/feedback.service.js';
import { PaperVectorRepository } from '../src/papers/paper-vector.repository.js';
import type { SparseVector } from '../src/papers/paper-vector.js';
import { PaperRepository, type StoredPaper } from '../src/papers/paper.repository.js';
import { rankPapers, type TopicMatches } from '../src/ranking/rank.js';
import { parseTopic } from '../src/topics/topic-grammar.js';
import { TopicMatcher } from '../src/topics/topic-matcher.js';
import { seededRandom } from '../test/kit/random.js';
import type { LabelledTopic } from './relevance.js';

/**
 * The feedback evaluation: simulated readers with hidden interests receive
 * a digest a day and mark papers "more" or "less like this", with noise.
 * Each reader's interest is a labelled set of papers (the union of a few
 * related topics of the relevance labels); their subscribed topics are broad,
 * so topics alone cannot tell what they want first. The ranking and the
 * model are the ones the digest uses (rankPapers, personalise, fitModel).
 */

/** Each simulated reader's hidden interest: labelled topics whose relevant papers they want. */
export const INTERESTS: Record<string, string[]> = {
  'adapting models': ['PEFT', 'LoRA', 'quantization', 'knowledge distillation', 'lifelong learning', 'catastrophic forgetting', 'test-time adaptation -continual'],
  'language and speech': ['LLM', 'long context', 'speculative decoding', 'hallucination', 'MoE', 'ASR', 'speech recognition'],
  'vision and generation': ['image generation', 'video generation', 'diffusion models', 'VLM', 'ViT', 'semantic segmentation', 'OCR', 'self-driving cars', 'autonomous driving'],
  'robust learning': ['generalization', 'domain generalization', 'data augmentation', 'contrastive loss', 'curriculum learning', 'RL'],
};

/** What every simulated reader subscribes to: wide enough that nearly every paper matches. */
export const BROAD_TOPICS = ['model', 'learning', 'data', 'method'];

export interface SimulationSettings {
  days: number;
  /** Papers a digest shows. */
  shown: number;
  /** Chance a reader marks a paper they were shown. */
  markRate: number;
  /** Chance a mark is the wrong way round. */
  noise: number;
  /** Independent runs per interest (different arrival orders and marks). */
  repeats: number;
  seed: number;
}

export const SETTINGS: SimulationSettings = { days: 10, shown: 5, markRate: 0.6, noise: 0.1, repeats: 8, seed: 17 };

/** How a digest is ordered: by topics alone, or with a model fitted by `fit` from the reader's marks. */
export type Ranker = { name: string; fit: ((set: TrainingSet) => Weights) | null; weight?: number };

export const rankers = (kinds: readonly ModelKind[] = MODEL_KINDS, weight?: number): Ranker[] => [
  { name: 'topics only', fit: null },
  ...kinds.map((kind) => ({ name: kind, fit: (set: TrainingSet) => fitModel(set, kind), weight })),
];

export interface Curve {
  name: string;
  /** Mean precision@shown on each day, day 1 first. */
  byDay: number[];
}

interface World {
  papers: StoredPaper[];
  vectors: Map<number, SparseVector>;
  /** The broad topics' matches, as the run shares them. */
  perTopic: TopicMatches[];
  interests: Array<{ name: string; wanted: Set<number> }>;
}

export function simulationWorld(db: Db, labels: readonly LabelledTopic[]): World {
  const repo = new PaperRepository(db);
  const seqs = db.prepare<[], { seq: number }>('SELECT seq FROM papers ORDER BY seq').all().map((row) => row.seq);
  const papers = repo.findBySeqs(seqs).sort((a, b) => a.seq - b.seq);
  const seqOfId = new Map(papers.map((paper) => [paper.id, paper.seq]));
  const matcher = new TopicMatcher(db);
  const perTopic = BROAD_TOPICS.map((text) => {
    const topic = parseTopic(text);
    return { topic, matches: matcher.match(topic) };
  });
  const byTopic = new Map(labels.map((label) => [label.topic, label.relevant]));
  const interests = Object.entries(INTERESTS).map(([name, topics]) => ({
    name,
    wanted: new Set(topics.flatMap((topic) => byTopic.get(topic) ?? []).map((id) => seqOfId.get(id)!)),
  }));
  return { papers, vectors: new PaperVectorRepository(db).vectors(seqs), perTopic, interests };
}

/**
 * Runs every ranker over the same simulated readers. Each run splits the
 * papers into a held-out batch (HELD_OUT of them) and a stream that arrives
 * over the days. Each day, first the held-out batch is ranked as that day's
 * digest would rank it (the model fitted on the marks so far), which is the
 * day's precision; then the day's stream papers are ranked, the top ones
 * shown, and the reader marks some of them. Measuring on papers the reader
 * never marked keeps the model from being scored on what it was told, and
 * keeps a good ranker from running out of good papers before day 10.
 * A reader's split, arrival order and marking dice are the same for every
 * ranker; what they are shown, and so what they mark, differs.
 */
export function simulate(world: World, list: readonly Ranker[], settings: SimulationSettings = SETTINGS): Curve[] {
  const now = new Date('2026-01-01T00:00:00Z');
  const paperMap = new Map(world.papers.map((paper) => [paper.seq, paper]));
  const sums = list.map(() => new Array<number>(settings.days).fill(0));
  const counts = list.map(() => new Array<number>(settings.days).fill(0));
  const vectorOf = (seq: number) => world.vectors.get(seq);
  const vectorsOf = (seqs: readonly number[]) => seqs.flatMap((seq) => world.vectors.get(seq) ?? []);
  const digest = (among: ReadonlySet<number>, weights: Weights | null, ranker: Ranker) => {
    const perTopic = world.perTopic.map(({ topic, matches }) => ({ topic, matches: matches.filter(({ seq }) => among.has(seq)) }));
    const topicRanked = rankPapers(perTopic, paperMap, now);
    const ranked = weights ? personalise(topicRanked, affinityOfVectors(weights, vectorOf), ranker.weight) : topicRanked;
    return ranked.slice(0, settings.shown).map(({ paper }) => paper.seq);
  };

  world.interests.forEach((interest, interestIndex) => {
    for (let repeat = 0; repeat < settings.repeats; repeat += 1) {
      const runSeed = settings.seed + interestIndex * 1000 + repeat;
      const order = shuffled(world.papers.map((paper) => paper.seq), seededRandom(runSeed));
      const cut = Math.round(order.length * HELD_OUT);
      const heldOut = new Set(order.slice(0, cut));
      const stream = order.slice(cut);
      const dayOf = (i: number) => Math.floor((i * settings.days) / stream.length);
      list.forEach((ranker, r) => {
        const dice = seededRandom(runSeed * 7 + 1);
        const marks = new Map<number, 'more' | 'less'>();
        const shownSoFar: number[] = [];
        let weights: Weights | null = null;
        for (let day = 0; day < settings.days; day += 1) {
          const measured = digest(heldOut, weights, ranker);
          if (measured.length > 0) {
            sums[r]![day]! += measured.filter((seq) => interest.wanted.has(seq)).length / measured.length;
            counts[r]![day]! += 1;
          }
          const shown = digest(new Set(stream.filter((_seq, i) => dayOf(i) === day)), weights, ranker);
          for (const seq of shown) {
            shownSoFar.push(seq);
            const marked = dice() < settings.markRate;
            const flipped = dice() < settings.noise;
            if (marked) marks.set(seq, interest.wanted.has(seq) !== flipped ? 'more' : 'less');
          }
          if (ranker.fit && marks.size > 0) {
            const unmarked = shownSoFar.filter((seq) => !marks.has(seq)).slice(-UNMARKED_EXAMPLES);
            const choose = (choice: 'more' | 'less') => [...marks].filter(([, c]) => c === choice).map(([seq]) => seq);
            weights = ranker.fit({ positives: vectorsOf(choose('more')), negatives: vectorsOf(choose('less')), unmarked: vectorsOf(unmarked) });
          }
        }
      });
    }
  });
  return list.map((ranker, r) => ({ name: ranker.name, byDay: sums[r]!.map((sum, day) => (counts[r]![day]! === 0 ? 0 : sum / counts[r]![day]!)) }));
}

/** The share of each run's papers kept out of the stream, to measure every day's ranking on. */
export const HELD_OUT = 0.3;

function shuffled<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The bars a learned ranking must clear against topics alone. */
export const BARS = { lastDayGain: 0.1 } as const;

/** Why `learned` fails the bars against `topicsOnly`; empty when it passes. */
export function thresholdFailures(topicsOnly: Curve, learned: Curve): string[] {
  const failures: string[] = [];
  const last = learned.byDay.length - 1;
  const gain = learned.byDay[last]! - topicsOnly.byDay[last]!;
  if (gain < BARS.lastDayGain) failures.push(`${learned.name}: day ${last + 1} gain ${gain.toFixed(3)} < ${BARS.lastDayGain}`);
  if (learned.byDay[0]! < topicsOnly.byDay[0]!) failures.push(`${learned.name}: day 1 ${learned.byDay[0]!.toFixed(3)} < topics only ${topicsOnly.byDay[0]!.toFixed(3)}`);
  return failures;
}
