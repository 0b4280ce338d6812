import { wordKey } from '../word-forms.js';

/**
 * A paper as a sparse tf-idf vector over the words and adjacent word pairs
 * of its title and abstract, for the per-reader models of "more like this".
 * Features are hashed (FNV-1a into 2^20 buckets), so no vocabulary table is
 * kept and a vector is a short list of (feature, weight) pairs.
 */
export interface SparseVector {
  /** Ascending, distinct. */
  features: Uint32Array;
  /** Same length as `features`; the vector has unit length (or is empty). */
  weights: Float32Array;
}

export const FEATURE_BITS = 20;
const FEATURE_MASK = (1 << FEATURE_BITS) - 1;

/** Words that say nothing about what a paper is about; pairs across them are not formed either. */
const STOPWORDS = new Set(
  (
    'a an and are as at be by can for from has have in into is it its of on or our that the their this these those to we which ' +
    'with without via using use used show shows shown propose proposed paper approach method methods results new based also ' +
    'than then there such both more most while when where how what whether however thus only over under between across'
  ).split(' '),
);

const WORD = /[\p{L}\p{N}]+(?:[-'][\p{L}\p{N}]+)*/gu;

/** Lower-cased content words in order, a stopword kept as `null` so no pair spans it. */
function words(text: string): Array<string | null> {
  const out: Array<string | null> = [];
  // Words are folded by the matcher's light suffix rule, so "quantized" and "quantization" count as one.
  for (const [word] of text.toLowerCase().matchAll(WORD)) out.push(word.length < 2 || STOPWORDS.has(word) ? null : wordKey(word));
  return out;
}

/** FNV-1a over the UTF-16 units: fast, stable across versions, and good enough spread for 2^20 buckets. */
export function featureOf(term: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < term.length; i += 1) {
    hash ^= term.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) & FEATURE_MASK;
}

/** How often each feature occurs in the text: every content word, and every pair of adjacent content words. */
export function termCounts(title: string, abstract: string): Map<number, number> {
  const counts = new Map<number, number>();
  const add = (term: string) => {
    const feature = featureOf(term);
    counts.set(feature, (counts.get(feature) ?? 0) + 1);
  };
  // The title is read twice: it is the author's own summary of the paper.
  for (const text of [title, title, abstract]) {
    const list = words(text);
    list.forEach((word, i) => {
      if (word === null) return;
      add(word);
      const next = list[i + 1];
      if (next) add(`${word} ${next}`);
    });
  }
  return counts;
}

/** Smoothed idf, as scikit-learn's TfidfVectorizer computes it: never zero, never infinite. */
export const idf = (df: number, papers: number) => Math.log((papers + 1) / (df + 1)) + 1;

/** Sublinear tf times idf, scaled to unit length. */
export function tfidf(counts: ReadonlyMap<number, number>, dfOf: (feature: number) => number, papers: number): SparseVector {
  const features = Uint32Array.from([...counts.keys()].sort((a, b) => a - b));
  const weights = new Float32Array(features.length);
  let norm = 0;
  features.forEach((feature, i) => {
    const weight = (1 + Math.log(counts.get(feature)!)) * idf(dfOf(feature), papers);
    weights[i] = weight;
    norm += weight * weight;
  });
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < weights.length; i += 1) weights[i]! /= norm;
  return { features, weights };
}

/** `n` little-endian uint32 features, then `n` float32 weights. */
export function encodeVector({ features, weights }: SparseVector): Buffer {
  const buffer = Buffer.alloc(features.length * 8);
  features.forEach((feature, i) => buffer.writeUInt32LE(feature, i * 4));
  weights.forEach((weight, i) => buffer.writeFloatLE(weight, features.length * 4 + i * 4));
  return buffer;
}

export function decodeVector(blob: Buffer): SparseVector {
  const n = Math.floor(blob.length / 8);
  const features = new Uint32Array(n);
  const weights = new Float32Array(n);
  for (let i = 0; i < n; i += 1) {
    features[i] = blob.readUInt32LE(i * 4);
    weights[i] = blob.readFloatLE(n * 4 + i * 4);
  }
  return { features, weights };
}

/** The dot product of two sparse vectors (both sorted by feature): their cosine when both have unit length. */
export function cosine(a: SparseVector, b: SparseVector): number {
  let sum = 0;
  for (let i = 0, j = 0; i < a.features.length && j < b.features.length; ) {
    const fa = a.features[i]!;
    const fb = b.features[j]!;
    if (fa === fb) sum += a.weights[i++]! * b.weights[j++]!;
    else if (fa < fb) i += 1;
    else j += 1;
  }
  return sum;
}
