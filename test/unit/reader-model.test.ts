import { describe, expect, it } from 'vitest';
import { affinity, FeatureSpace, fitModel, MODEL_KINDS } from '../../src/feedback/reader-model.js';
import { affinityOfVectors, alsoLike, likenedTo, personalise } from '../../src/feedback/personal-ranking.js';
import { cosine, decodeVector, encodeVector, featureOf, termCounts, tfidf, type SparseVector } from '../../src/papers/paper-vector.js';
import type { RankedPaper } from '../../src/ranking/rank.js';
import type { StoredPaper } from '../../src/papers/paper.repository.js';

const texts = {
  fins1: ['Zebrafish fin regeneration', 'Blastema cells rebuild the amputated fin ray after injury.'],
  fins2: ['Fin ray regeneration in zebrafish', 'Osteoblasts dedifferentiate and the blastema rebuilds the fin.'],
  fins3: ['Blastema signalling in fin regeneration', 'Amputated fin rays regrow from a blastema.'],
  heart: ['Zebrafish heart development', 'Cardiomyocyte lineage tracing in the embryonic ventricle.'],
  qubit: ['Surface codes at scale', 'Logical qubits under circuit-level noise for fault-tolerant quantum computing.'],
} as const;

/** Vectors as ingest makes them, against document frequencies of these five papers. */
function vectors(): Record<keyof typeof texts, SparseVector> {
  const counts = Object.fromEntries(Object.entries(texts).map(([name, [title, abstract]]) => [name, termCounts(title, abstract)]));
  const df = new Map<number, number>();
  for (const c of Object.values(counts)) for (const f of c.keys()) df.set(f, (df.get(f) ?? 0) + 1);
  return Object.fromEntries(Object.entries(counts).map(([name, c]) => [name, tfidf(c, (f) => df.get(f) ?? 0, 5)])) as Record<keyof typeof texts, SparseVector>;
}

describe('paper vectors', () => {
  it('count content words and adjacent pairs, fold word forms, and skip stopwords', () => {
    const counts = termCounts('Quantized models', 'We study the quantization of models.');
    expect(counts.get(featureOf('quantiz'))).toBe(3);
    expect(counts.get(featureOf('model'))).toBe(3);
    expect(counts.get(featureOf('quantiz model'))).toBe(2);
    expect(counts.has(featureOf('the'))).toBe(false);
    expect(counts.has(featureOf('study quantiz'))).toBe(false);
  });

  it('have unit length, survive the store encoding, and are closer for related papers', () => {
    const v = vectors();
    expect(cosine(v.fins1, v.fins1)).toBeCloseTo(1, 5);
    const back = decodeVector(encodeVector(v.fins1));
    expect([...back.features]).toEqual([...v.fins1.features]);
    expect(cosine(back, v.fins1)).toBeCloseTo(1, 5);
    expect(cosine(v.fins1, v.fins2)).toBeGreaterThan(cosine(v.fins1, v.heart));
    expect(cosine(v.fins1, v.qubit)).toBe(0);
  });
});

describe('reader models', () => {
  it.each(MODEL_KINDS)('%s likes what resembles the papers marked more, and dislikes what resembles those marked less', (kind) => {
    const v = vectors();
    const weights = fitModel({ positives: [v.fins1, v.fins2], negatives: [v.qubit], unmarked: [v.heart] }, kind);
    expect(affinity(weights, v.fins3)).toBeGreaterThan(0);
    expect(affinity(weights, v.fins3)).toBeGreaterThan(affinity(weights, v.heart));
    expect(affinity(weights, v.qubit)).toBeLessThan(0);
    expect(Math.abs(affinity(weights, v.fins3))).toBeLessThan(1);
  });

  it('scores through the run\'s feature space exactly as through the map, with readers interleaved and papers added between', () => {
    const v = vectors();
    const ada = fitModel({ positives: [v.fins1, v.fins2], negatives: [v.qubit], unmarked: [] }, 'logistic');
    const bob = fitModel({ positives: [v.qubit], negatives: [v.fins1], unmarked: [] }, 'logistic');
    const space = new FeatureSpace();
    const [fins3, heart] = [space.add(v.fins3), space.add(v.heart)];
    expect(space.affinity(ada, fins3)).toBe(affinity(ada, v.fins3));
    expect(space.affinity(bob, heart)).toBe(affinity(bob, v.heart));
    // A paper added after Ada's weights were loaded brings features her weights must now reach.
    const qubit = space.add(v.qubit);
    for (const [paper, inSpace] of [[v.fins3, fins3], [v.heart, heart], [v.qubit, qubit], [v.fins3, fins3]] as const) {
      expect(space.affinity(ada, inSpace)).toBe(affinity(ada, paper));
      expect(space.affinity(bob, inSpace)).toBe(affinity(bob, paper));
    }
    expect(space.affinity(ada, qubit)).toBeLessThan(0);
    expect(space.affinity(bob, qubit)).toBeGreaterThan(0);
    // As the store keeps a model (sorted features, 32-bit weights), it scores as the same weights in a map do.
    const features = Uint32Array.from([...ada.keys()].sort((a, b) => a - b));
    const stored = { features, weights: Float32Array.from(features, (feature) => ada.get(feature)!) };
    const asMap = new Map([...features].map((feature, i) => [feature, stored.weights[i]!]));
    for (const [paper, inSpace] of [[v.fins3, fins3], [v.qubit, qubit]] as const) expect(space.affinity(stored, inSpace)).toBe(affinity(asMap, paper));
  });

  it('is empty without a choice, whatever was sent', () => {
    const v = vectors();
    for (const kind of MODEL_KINDS) expect(fitModel({ positives: [], negatives: [], unmarked: [v.heart] }, kind).size).toBe(0);
  });

  it('reorders towards what was liked, names the liked paper, and suggests only after three positives', () => {
    const v = vectors();
    const seqOf = { fins1: 1, fins2: 2, fins3: 3, heart: 4, qubit: 5 } as const;
    const vectorOf = (seq: number) => Object.entries(seqOf).map(([name, s]) => (s === seq ? v[name as keyof typeof v] : undefined)).find(Boolean);
    const entry = (seq: number, score: number) => ({ paper: { seq, id: `p${seq}`, upvotes: 0 } as StoredPaper, score, relevance: 1, topics: [] }) as RankedPaper;
    const weights = fitModel({ positives: [v.fins1, v.fins2], negatives: [], unmarked: [] });
    const model = { weights, positives: 2, liked: [1, 2] };
    const ranked = personalise([entry(4, 1.5), entry(3, 1)], affinityOfVectors(weights, vectorOf));
    expect(ranked.map(({ paper }) => paper.seq)).toEqual([3, 4]);
    expect(likenedTo(3, ranked[0]!.affinity, model, vectorOf)).not.toBeNull();
    expect(likenedTo(3, -0.1, model, vectorOf)).toBeNull();
    expect(likenedTo(5, 0.5, model, vectorOf)).toBeNull();
    expect(alsoLike([3, 5], model, affinityOfVectors(weights, vectorOf))).toEqual([]);
    const sure = { weights: fitModel({ positives: [v.fins1, v.fins2, v.fins3], negatives: [], unmarked: [] }), positives: 3, liked: [1, 2, 3] };
    expect(alsoLike([4, 5, 2], sure, affinityOfVectors(sure.weights, vectorOf)).length).toBeLessThanOrEqual(2);
    expect(alsoLike([4, 5, 2], sure, affinityOfVectors(sure.weights, vectorOf)).map(({ seq }) => seq)).not.toContain(5);
  });
});
