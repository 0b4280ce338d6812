import type { Topic, TypedTerm } from './topic-grammar.js';
import type { Expansion, TopicExpander } from './topic-expander.js';
import { wordForm } from './word-forms.js';

/**
 * A topic ready to run against the unstemmed index (`papers_exact`): its own
 * line plus every expansion, each a conjunction of quoted FTS5 phrases, the
 * topic's exclusions applied to all of them.
 */
export interface CompiledTopic {
  topic: Topic;
  /** Matches the papers the topic is about. */
  query: string;
  /** Matches the papers that hold every word of some line exactly as written, which rank first. */
  exactQuery: string;
  expansions: Expansion[];
}

// Tokens hold letters and digits only (the grammar's TOKEN), so they cannot close a quote.
const quote = (words: readonly string[]) => `"${words.join(' ')}"`;

/**
 * One term, widened by the light suffix rule on its last word: "quantiz"*
 * for "quantization", "model" OR "models" for "models". An exact term
 * matches only itself.
 */
export function termQuery(term: TypedTerm): string {
  if (term.exact) return quote(term.words);
  const head = term.words.slice(0, -1);
  const form = wordForm(term.words.at(-1)!);
  if (form.stem !== null) return `${quote([...head, form.stem])} *`;
  const spellings = new Set([form.word, form.singular, `${form.singular}s`]);
  return spellings.size === 1 ? quote(term.words) : `(${[...spellings].map((word) => quote([...head, word])).join(' OR ')})`;
}

function lineQuery(line: readonly TypedTerm[], term: (t: TypedTerm) => string): string {
  return `(${line.map(term).join(' AND ')})`;
}

function withExclusions(positive: string, topic: Topic): string {
  return topic.excluded.length === 0 ? positive : `(${positive}) NOT (${topic.excluded.map(termQuery).join(' OR ')})`;
}

export function compileTopic(topic: Topic, expander: TopicExpander): CompiledTopic {
  const { lines, expansions } = expander.expand(topic);
  const exactLine = (line: readonly TypedTerm[]) => lineQuery(line, (term) => quote(term.words));
  return {
    topic,
    query: withExclusions(lines.map((line) => lineQuery(line, termQuery)).join(' OR '), topic),
    exactQuery: withExclusions(lines.map(exactLine).join(' OR '), topic),
    expansions,
  };
}
