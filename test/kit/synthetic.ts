/**
 * Deterministic synthetic data, for the benchmark and any test that needs a
 * big world: papers recombined from the
 * 84 seed papers (real vocabulary, real abstract lengths), topics taken from
 * their words, and subscribers whose topics follow a Zipf-like law, as
 * interests do: a few topics are everyone's, most are a few people's.
 */
import type { PaperInput } from '../../src/papers/paper.js';
import { readSeedPapers } from '../../src/papers/sources/seed.source.js';
import { parseTopic, type Topic, TopicError } from '../../src/topics/topic-grammar.js';
import { seededRandom } from './random.js';
import type { SubscriberSpec } from './world.js';

const seeds = (() => {
  let cached: PaperInput[] | null = null;
  return () => (cached ??= readSeedPapers());
})();

export function syntheticPapers(count: number, { seed = 42, prefix = '2611' } = {}): PaperInput[] {
  const random = seededRandom(seed);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const all = seeds();
  const sentences = all.flatMap((paper) => paper.abstract.split(/(?<=\.)\s+/));
  const titleWords = all.flatMap((paper) => paper.title.split(/\s+/));
  return Array.from({ length: count }, (_, i) => ({
    ...pick(all),
    id: `${prefix}.${String(i).padStart(5, '0')}`,
    source: 'hf' as const,
    title: Array.from({ length: 8 }, () => pick(titleWords)).join(' '),
    abstract: Array.from({ length: 9 }, () => pick(sentences)).join(' '),
    authors: ['Ada Lovelace', 'Alan Turing'],
    upvotes: Math.floor(random() * 200),
    publishedAt: new Date(Date.UTC(2026, 10, 1 + Math.floor(random() * 25))).toISOString(),
  }));
}

/**
 * Up to `count` distinct topics: single words and two-word phrases from the
 * seed titles, then from the abstracts, in order of first appearance.
 */
export function syntheticTopics(count: number): Topic[] {
  const phrases = new Map<string, Topic>();
  const texts = [...seeds().map((paper) => paper.title), ...seeds().map((paper) => paper.abstract)];
  for (const text of texts) {
    const words = text.toLowerCase().match(/[a-z][a-z-]{3,}[a-z]/g) ?? [];
    for (let i = 0; i + 1 < words.length && phrases.size < count; i += 1) {
      for (const phrase of [words[i]!, `${words[i]} ${words[i + 1]}`]) {
        // A word the form would refuse alone ("between") is no reader's topic.
        const topic = parseOrNull(phrase);
        if (topic && phrases.size < count) phrases.set(topic.key, topic);
      }
    }
  }
  return [...phrases.values()];
}

/** Picks ranks 0…n-1 with probability proportional to 1/(rank+1). */
export function zipf(n: number, random: () => number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 1; rank <= n; rank += 1) cumulative.push((total += 1 / rank));
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

/** Zones whose 08:00 has passed by 12:00 UTC, from both sides of the date line. */
const ZONES = ['UTC', 'Europe/London', 'Europe/Paris', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Tokyo', 'Australia/Sydney', 'America/Sao_Paulo'];

/** The instant every synthetic reader's daily digest is due at. */
export const RUN_AT = new Date('2026-11-27T12:00:00Z');

/**
 * `count` daily readers, all due at RUN_AT, with 1–5 Zipf-drawn topics each.
 * The same seed gives the same readers.
 */
export function syntheticReaders(count: number, topics: readonly Topic[], seed = 7): SubscriberSpec[] {
  return Array.from(eachSyntheticReader(count, topics, { seed }));
}

/**
 * The same readers one at a time, so a million never sit in memory at once.
 * `sendHour` moves everyone's send hour (23 makes nobody due at RUN_AT's morning).
 */
export function* eachSyntheticReader(count: number, topics: readonly Topic[], { seed = 7, sendHour = 8 } = {}): Generator<SubscriberSpec> {
  const random = seededRandom(seed);
  const rank = zipf(topics.length, random);
  for (let i = 0; i < count; i += 1) {
    const chosen = new Map<string, Topic>();
    const wanted = 1 + Math.floor(random() * 5);
    while (chosen.size < wanted) {
      const topic = topics[rank()]!;
      chosen.set(topic.key, topic);
    }
    yield {
      email: `reader${i}@bench.example`,
      topics: [...chosen.values()].map((topic) => topic.text),
      sendHour,
      timezone: ZONES[i % ZONES.length]!,
      subscribedAt: '2026-11-01T00:00:00.000Z',
    };
  }
}

function parseOrNull(phrase: string): Topic | null {
  try {
    return parseTopic(phrase);
  } catch (err) {
    if (err instanceof TopicError) return null;
    throw err;
  }
}
