import type { SparseVector } from '../papers/paper-vector.js';

/**
 * A reader's linear model over paper vectors, fitted from their "more like
 * this" (+1) and "less like this" (-1) choices, plus the papers they were
 * sent and left unmarked as weak negatives (arxiv-sanity-lite likewise
 * treats every untagged paper as a negative). Three ways to fit are kept,
 * because the feedback evaluation (`npm run eval:feedback`) compares them
 * on simulated readers; the service uses the one that measured best.
 */
export type ModelKind = 'rocchio' | 'logistic' | 'svm';

export const MODEL_KINDS: readonly ModelKind[] = ['rocchio', 'logistic', 'svm'];

/** What `npm run eval:feedback` measured best on the labelled papers (see the README, "How ranking works"). */
export const DEFAULT_MODEL: ModelKind = 'logistic';

export interface TrainingSet {
  /** Papers marked "more like this". */
  positives: readonly SparseVector[];
  /** Papers marked "less like this". */
  negatives: readonly SparseVector[];
  /** Papers the reader was sent and did not mark. */
  unmarked: readonly SparseVector[];
}

/** Weights by feature, ready for scoring. */
export type Weights = Map<number, number>;

/**
 * A model's weights as a fit makes them (a map) or as the store keeps them
 * (sorted features and their weights, read straight from the row: a digest
 * run reads thousands of models and only walks each one once).
 */
export type ModelWeights = Weights | SparseVector;

/** How much an unmarked paper counts as a negative, next to an explicit choice (1). */
const UNMARKED_WEIGHT = 0.15;
/** L2 regularisation for the logistic and SVM fits; strong, because a reader gives a handful of examples. */
const LAMBDA = 0.01;
const EPOCHS = 60;
const STEP = 1;

/** w · x for a sparse paper vector. */
export function dot(weights: Weights, x: SparseVector): number {
  let sum = 0;
  for (let i = 0; i < x.features.length; i += 1) sum += (weights.get(x.features[i]!) ?? 0) * x.weights[i]!;
  return sum;
}

function addScaled(into: Weights, x: SparseVector, scale: number): void {
  for (let i = 0; i < x.features.length; i += 1) {
    const feature = x.features[i]!;
    into.set(feature, (into.get(feature) ?? 0) + scale * x.weights[i]!);
  }
}

function unitLength(weights: Weights): Weights {
  let norm = 0;
  for (const w of weights.values()) norm += w * w;
  norm = Math.sqrt(norm);
  if (norm > 0) for (const [feature, w] of weights) weights.set(feature, w / norm);
  return weights;
}

/**
 * Rocchio: the centroid of what the reader liked minus part of the centroid
 * of what they did not, scaled to unit length, so a score is a cosine.
 */
function rocchio({ positives, negatives, unmarked }: TrainingSet): Weights {
  const weights: Weights = new Map();
  for (const x of positives) addScaled(weights, x, 1 / positives.length);
  for (const x of negatives) addScaled(weights, x, -0.5 / negatives.length);
  for (const x of unmarked) addScaled(weights, x, -0.1 / unmarked.length);
  return unitLength(weights);
}

interface Example {
  x: SparseVector;
  y: 1 | -1;
  weight: number;
}

function examples({ positives, negatives, unmarked }: TrainingSet): Example[] {
  return [
    ...positives.map((x) => ({ x, y: 1 as const, weight: 1 })),
    ...negatives.map((x) => ({ x, y: -1 as const, weight: 1 })),
    ...unmarked.map((x) => ({ x, y: -1 as const, weight: UNMARKED_WEIGHT })),
  ];
}

/**
 * Full-batch gradient descent on a regularised linear loss with a bias
 * (fitted, then dropped: it moves every paper alike, so it never changes an
 * order). `slope` is the loss's derivative at the margin y·(w·x + b). The
 * features the examples use are numbered densely first, so the loop runs
 * over typed arrays rather than maps.
 */
function descend(set: TrainingSet, slope: (margin: number) => number): Weights {
  const data = examples(set);
  if (data.length === 0) return new Map();
  const index = new Map<number, number>();
  const rows = data.map(({ x, y, weight }) => {
    const at = Int32Array.from(x.features, (feature) => {
      let i = index.get(feature);
      if (i === undefined) index.set(feature, (i = index.size));
      return i;
    });
    return { at, values: x.weights, y, weight };
  });
  const w = new Float64Array(index.size);
  const gradient = new Float64Array(index.size);
  const total = data.reduce((sum, e) => sum + e.weight, 0);
  let bias = 0;
  for (let epoch = 0; epoch < EPOCHS; epoch += 1) {
    gradient.fill(0);
    let biasGradient = 0;
    for (const { at, values, y, weight } of rows) {
      let margin = bias;
      for (let k = 0; k < at.length; k += 1) margin += w[at[k]!]! * values[k]!;
      const g = (slope(y * margin) * y * weight) / total;
      if (g === 0) continue;
      for (let k = 0; k < at.length; k += 1) gradient[at[k]!]! += g * values[k]!;
      biasGradient += g;
    }
    const shrink = 1 - STEP * LAMBDA;
    for (let i = 0; i < w.length; i += 1) w[i] = w[i]! * shrink - STEP * gradient[i]!;
    bias -= STEP * biasGradient;
  }
  const weights: Weights = new Map();
  for (const [feature, i] of index) if (w[i] !== 0) weights.set(feature, w[i]!);
  return weights;
}

/** Logistic loss log(1 + e^-m): every example pulls, confident ones less. */
const logistic = (set: TrainingSet) => descend(set, (margin) => -1 / (1 + Math.exp(margin)));

/** Hinge loss max(0, 1 - m), a linear SVM as arxiv-sanity-lite fits: only examples inside the margin pull. */
const svm = (set: TrainingSet) => descend(set, (margin) => (margin < 1 ? -1 : 0));

export function fitModel(set: TrainingSet, kind: ModelKind = DEFAULT_MODEL): Weights {
  if (set.positives.length + set.negatives.length === 0) return new Map();
  switch (kind) {
    case 'rocchio':
      return rocchio(set);
    case 'logistic':
      return logistic(set);
    case 'svm':
      return svm(set);
  }
}

/** The model's affinity for a paper, bounded to (-1, 1) whichever fit made it. */
export function affinity(weights: Weights, x: SparseVector): number {
  return Math.tanh(dot(weights, x));
}

/** A paper vector renumbered into a `FeatureSpace`: the same weights, each feature by its dense number. */
export interface SpaceVector {
  ids: Uint32Array;
  weights: Float32Array;
}

/**
 * Scores many papers under one reader's weights at a time, as `affinity`
 * does, for the papers of one run. Features are numbered densely as papers
 * are added, so the weights of the reader being scored sit in an array the
 * size of the run's own vocabulary, which stays in the processor's cache;
 * an array over the whole hashed feature space (a million entries, 8 MB)
 * missed the cache on almost every read, and a map lookup per feature is
 * slower still.
 */
export class FeatureSpace {
  private readonly numbers = new Map<number, number>();
  private dense = new Float64Array(1 << 12);
  /** The weights in `dense`, and which of its entries they set. */
  private loaded: ModelWeights | null = null;
  private readonly set: number[] = [];

  /** The vector in this space's numbering; features not seen before get the next numbers. */
  add(vector: SparseVector): SpaceVector {
    const ids = new Uint32Array(vector.features.length);
    for (let i = 0; i < ids.length; i += 1) {
      const feature = vector.features[i]!;
      let id = this.numbers.get(feature);
      if (id === undefined) this.numbers.set(feature, (id = this.numbers.size));
      ids[i] = id;
    }
    if (this.numbers.size > this.dense.length) {
      const grown = new Float64Array(Math.max(this.numbers.size, this.dense.length * 2));
      grown.set(this.dense);
      this.dense = grown;
    }
    // A reader's weights on the new features are not in the array yet.
    this.loaded = null;
    return { ids, weights: vector.weights };
  }

  /** The model's affinity for a paper added to this space: the same value as `affinity`. */
  affinity(weights: ModelWeights, x: SpaceVector): number {
    if (this.loaded !== weights) this.load(weights);
    const dense = this.dense;
    let sum = 0;
    for (let i = 0; i < x.ids.length; i += 1) sum += dense[x.ids[i]!]! * x.weights[i]!;
    return Math.tanh(sum);
  }

  private load(weights: ModelWeights): void {
    for (const id of this.set) this.dense[id] = 0;
    this.set.length = 0;
    // Features no paper in the space has cannot change a score, so they are left out.
    const put = (feature: number, weight: number) => {
      const id = this.numbers.get(feature);
      if (id === undefined) return;
      this.dense[id] = weight;
      this.set.push(id);
    };
    if (weights instanceof Map) for (const [feature, weight] of weights) put(feature, weight);
    else for (let i = 0; i < weights.features.length; i += 1) put(weights.features[i]!, weights.weights[i]!);
    this.loaded = weights;
  }
}
