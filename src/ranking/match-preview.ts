import { UserError } from '../errors.js';
import { TopicError, parseTopics, type Topic } from '../topics/topic-grammar.js';
import type { TopicMatcher } from '../topics/topic-matcher.js';
import type { PaperMatch, PaperSearch } from './paper-search.js';

export interface PreviewLimits {
  /**
   * Papers the topics of one preview may touch between them. Ranking scores
   * every paper a topic matches, so a handful of common words on a large
   * store would hold the event loop for seconds per request.
   */
  maxPapersTouched: number;
  /** How long an answer is reused; new papers arrive hourly at most. */
  cacheMs: number;
  cacheEntries: number;
}

export const PREVIEW_LIMITS: PreviewLimits = { maxPapersTouched: 20_000, cacheMs: 60_000, cacheEntries: 1_000 };

interface Cached {
  at: number;
  results: PaperMatch[];
  /** Topic as typed → its normal form, to relabel the answer with the next asker's own typing. */
  keyOf: Map<string, string>;
}

const wordsOf = (term: string) => term.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean).join(' ');

/**
 * The matched words as a reader should see them: each once, however it was
 * hyphenated or cased ("test-time", "test time"), and without a word that a
 * longer matched phrase already shows ("adaptation" beside "test-time
 * adaptation"). The search keeps every form, for the CLI and the digest.
 */
export function distinctTerms(terms: readonly string[]): string[] {
  const first = new Map<string, string>();
  for (const term of terms) {
    const key = wordsOf(term);
    if (key !== '' && !first.has(key)) first.set(key, term);
  }
  const keyed = [...first.entries()];
  return keyed.filter(([key]) => !keyed.some(([other]) => other !== key && ` ${other} `.includes(` ${key} `))).map(([, term]) => term);
}

/**
 * The subscribe form's live preview (`GET /api/matches`): the search, with a
 * bound on its cost and a short cache keyed by the normalised topics, since a
 * visitor typing sends the same topics again and again.
 */
export class MatchPreview {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly matcher: Pick<TopicMatcher, 'countUpTo'>,
    private readonly search: PaperSearch,
    private readonly limits: PreviewLimits = PREVIEW_LIMITS,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Throws a 400 for topics that do not parse, naming each bad one on its own
   * line as the form lists them, and a 422 for topics too broad to preview.
   */
  preview(input: string | readonly string[], limit: number): PaperMatch[] {
    let topics: Topic[];
    try {
      topics = parseTopics(input);
    } catch (err) {
      if (err instanceof TopicError) throw new UserError(err.problems.join('\n'), 400, 'topics');
      throw err;
    }
    const textOf = new Map(topics.map((topic) => [topic.key, topic.text]));
    const cacheKey = `${limit}\n${[...textOf.keys()].sort().join('\n')}`;
    const now = this.clock();

    let entry = this.cache.get(cacheKey);
    if (!entry || now - entry.at >= this.limits.cacheMs) {
      this.checkCost(topics);
      entry = { at: now, results: this.search.search(input, { limit }), keyOf: new Map(topics.map((topic) => [topic.text, topic.key])) };
      this.remember(cacheKey, entry, now);
    }
    const { results, keyOf } = entry;
    return results.map((match) => ({
      ...match,
      matched: distinctTerms(match.matched),
      topics: match.topics.map((text) => textOf.get(keyOf.get(text) ?? '') ?? text),
    }));
  }

  private checkCost(topics: readonly Topic[]): void {
    let left = this.limits.maxPapersTouched;
    for (const topic of topics) {
      left -= this.matcher.countUpTo(topic, left + 1);
      if (left < 0) {
        throw new UserError(
          `"${topic.text}" matches too many papers to preview with these topics. Add a word to narrow it; you can still subscribe with it as it is.`,
          422,
          'topics',
        );
      }
    }
  }

  private remember(key: string, entry: Cached, now: number): void {
    this.cache.delete(key);
    for (const [old, cached] of this.cache) {
      if (this.cache.size < this.limits.cacheEntries && now - cached.at < this.limits.cacheMs) break;
      this.cache.delete(old);
    }
    this.cache.set(key, entry);
  }
}
