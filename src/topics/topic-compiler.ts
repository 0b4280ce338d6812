import type { Topic, TypedTerm } from './topic-grammar.js';
import type { Expansion, TopicExpander } from './topic-expander.js';
import { commonPrefix, wordForm, type WordForm } from '../word-forms.js';

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

/**
 * The words of the index that are forms of a topic word whose ending the
 * suffix rule strips ("quantized", "quantizer" for "quantization"): read
 * from the index's vocabulary, so a topic names them one by one instead of
 * reaching every word that starts with the stem.
 */
export type FormsOf = (form: WordForm) => readonly string[];

/** What the compiler may ask of the index's vocabulary. */
export interface Lexicon {
  formsOf: FormsOf;
  /** Whether the index holds this word. */
  has(word: string): boolean;
}

/** The most lines one topic compiles to, spellings of its compounds included. */
const MAX_COMPILED_LINES = 24;
/** Each half of a compound split apart ("pre" + "training") has at least this many letters. */
const MIN_PART = 3;

/**
 * Other spellings of a compound that the papers use: "fine-tuning" is
 * also written "finetuning", "pretraining" also "pre-training". A hyphen
 * makes two tokens and a closed compound one, so neither finds the other.
 * A two-word term is also looked for joined; a long single word also split
 * in two, where both halves are words of the index (as they are once some
 * paper wrote it hyphenated). A split is a phrase, so its halves must stand
 * side by side: "pre training", never "pre" in one place and "training"
 * in another.
 */
function compoundSpellings(term: TypedTerm, lexicon: Lexicon): TypedTerm[] {
  if (term.exact) return [];
  const [first, second, ...rest] = term.words;
  if (first === undefined || rest.length > 0) return [];
  if (second !== undefined) {
    const joined = first + second;
    return inIndex(joined, lexicon) ? [{ words: [joined], exact: false }] : [];
  }
  const splits: TypedTerm[] = [];
  if (first.length < 2 * MIN_PART + 1 || /\d/.test(first)) return splits;
  for (let at = MIN_PART; at <= first.length - MIN_PART; at += 1) {
    const [head, tail] = [first.slice(0, at), first.slice(at)];
    if (lexicon.has(head) && inIndex(tail, lexicon)) splits.push({ words: [head, tail], exact: false });
  }
  return splits;
}

/** The word, or another form of it, is in the index. */
const inIndex = (word: string, lexicon: Lexicon) => lexicon.has(word) || lexicon.formsOf(wordForm(word)).length > 0;

/**
 * A line, and the same line with its compounds spelt the other ways the
 * papers use ("fine tuning" typed as two words also as "finetuning").
 */
function spellings(line: readonly TypedTerm[], lexicon: Lexicon): TypedTerm[][] {
  let lines: TypedTerm[][] = [[]];
  for (let i = 0; i < line.length; i += 1) {
    const term = line[i]!;
    const options = [[term], ...compoundSpellings(term, lexicon).map((spelling) => [spelling])];
    lines = lines.flatMap((start) => options.map((option) => [...start, ...option])).slice(0, MAX_COMPILED_LINES);
  }
  // Two words typed apart that the papers write as one ("fine tuning", "meta learning").
  for (let i = 0; i + 1 < line.length; i += 1) {
    const [a, b] = [line[i]!, line[i + 1]!];
    if (a.exact || b.exact || a.words.length !== 1 || b.words.length !== 1) continue;
    const joined = a.words[0]! + b.words[0]!;
    if (inIndex(joined, lexicon)) lines.push([...line.slice(0, i), { words: [joined], exact: false }, ...line.slice(i + 2)]);
  }
  return lines.slice(0, MAX_COMPILED_LINES);
}

// Tokens hold letters and digits only (the grammar's TOKEN and the index's tokenizer), so they cannot close a quote.
const quote = (words: readonly string[]) => `"${words.join(' ')}"`;

/**
 * One term, widened by the light suffix rule on its last word: the forms
 * of "quantization" the papers hold ("quantization" OR "quantized" OR …),
 * "model" OR "models" for "models", "trained" OR "training" for "train".
 * An exact term matches only itself.
 */
export function termQuery(term: TypedTerm, formsOf: FormsOf): string {
  if (term.exact) return quote(term.words);
  const form = wordForm(term.words.at(-1)!);
  const head = term.words.slice(0, -1);
  const words = new Set([form.word, form.singular, ...formsOf(form)]);
  return words.size === 1 ? quote(term.words) : `(${[...words].map((word) => quote([...head, word])).join(' OR ')})`;
}

/** The term as typed, in the singular or the plural: what ranks as an exact-form match. */
function asWritten(term: TypedTerm): string {
  if (term.exact) return quote(term.words);
  const head = term.words.slice(0, -1);
  const form = wordForm(term.words.at(-1)!);
  const spellings = new Set([form.word, form.singular, `${form.singular}s`]);
  return spellings.size === 1 ? quote(term.words) : `(${[...spellings].map((word) => quote([...head, word])).join(' OR ')})`;
}

/**
 * How close a line's words must stand, in tokens, when some of them only
 * match in another form (a plural, another ending). Measured on the
 * labelled set (npm run eval:relevance, precision/recall): no window
 * 76.3/91.8; a window on every line 79.3/91.2 (3), 78.8/91.2 (5), 78.4/91.2
 * (10), but it broke the documented rule that a line's words may stand
 * anywhere; a window on the widened forms only 77.9/91.2 (5).
 */
export const NEAR_WINDOW = 5;

/**
 * A term inside NEAR, which takes only phrases (no OR): a plural or other
 * ending as a prefix. Only a proximity condition: which forms count is the
 * widened term's business, which must hold too.
 */
function nearPhrase(term: TypedTerm): string {
  if (term.exact) return quote(term.words);
  const head = term.words.slice(0, -1);
  const form = wordForm(term.words.at(-1)!);
  // Every spelling the widened term allows begins so: "minimis" (British) must not miss "minimized".
  if (form.stem !== null) return `${quote([...head, commonPrefix(form)])} *`;
  // Two-letter words stay whole; from three letters the prefix lets a plural through ("LLMs" for "LLM").
  // Which words count is the widened term's business: "Lorax" near the other words never stands in for "LoRA".
  return form.singular.length >= 3 ? `${quote([...head, form.singular])} *` : quote(term.words);
}

/**
 * A line matches where all its words appear as typed, anywhere (the
 * grammar's rule), or in their widened forms within NEAR_WINDOW of each
 * other, so a multi-word topic never matches on other forms of its words
 * scattered across an abstract.
 */
function lineQuery(line: readonly TypedTerm[], formsOf: FormsOf): string {
  const widened = `(${line.map((term) => termQuery(term, formsOf)).join(' AND ')})`;
  if (line.length < 2) return widened;
  return `(${typedLineQuery(line)} OR (${widened} AND NEAR(${line.map(nearPhrase).join(' ')}, ${NEAR_WINDOW})))`;
}

/** Every word exactly as typed, anywhere: the grammar's own rule for a line. */
function typedLineQuery(line: readonly TypedTerm[]): string {
  return `(${line.map((term) => quote(term.words)).join(' AND ')})`;
}

/** Every word as typed or in its plural, for ranking exact-form matches first. */
function exactLineQuery(line: readonly TypedTerm[]): string {
  return `(${line.map(asWritten).join(' AND ')})`;
}

/** Leaves out what the topic excludes, in every spelling the papers use ("-pretraining" also "pre-training"). */
function withExclusions(positive: string, topic: Topic, lexicon: Lexicon): string {
  if (topic.excluded.length === 0) return positive;
  const excluded = topic.excluded.flatMap((term) => [term, ...compoundSpellings(term, lexicon)]);
  return `(${positive}) NOT (${excluded.map((term) => termQuery(term, lexicon.formsOf)).join(' OR ')})`;
}

export function compileTopic(topic: Topic, expander: TopicExpander, lexicon: Lexicon): CompiledTopic {
  const expanded = expander.expand(topic);
  const { expansions } = expanded;
  const { formsOf } = lexicon;
  const lines = expanded.lines.flatMap((line) => spellings(line, lexicon)).slice(0, MAX_COMPILED_LINES * 2);
  return {
    topic,
    query: withExclusions(lines.map((line) => lineQuery(line, formsOf)).join(' OR '), topic, lexicon),
    exactQuery: withExclusions(lines.map(exactLineQuery).join(' OR '), topic, lexicon),
    expansions,
  };
}
