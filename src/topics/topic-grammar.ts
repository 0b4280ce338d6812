import { UserError } from '../errors.js';
import { normalizeText } from '../text.js';

/**
 * The topic grammar, one topic per line:
 *   LoRA quantization          every word must appear (stemmed, any order)
 *   "mixture of experts"       quoted text must appear as a phrase
 *   test-time adaptation       a hyphenated word is a phrase too ("test time")
 *   -video  -"text to image"   a leading minus excludes a word or a phrase
 *   =PEFT  "PEFT"              this word exactly: no abbreviations or synonyms,
 *                              no other endings
 * Words are whole tokens: `LoRA` never matches "exploration". Case and
 * accents do not matter. The matcher widens each line with the glossary and
 * the abbreviations mined from papers (see topic-compiler.ts).
 *
 * A topic compiles to an FTS5 query built only from quoted runs of letters and
 * digits, so nothing a person types can reach MATCH as syntax.
 */

export const TOPIC_LIMITS = {
  maxTopics: 25,
  maxLength: 200,
  maxTerms: 12,
} as const;

/** A word (one token) or a phrase (several), lower-cased. */
export type Term = readonly string[];

/** A term as typed: `exact` when it was `=word` or a quoted single word. */
export interface TypedTerm {
  readonly words: Term;
  readonly exact: boolean;
}

export interface Topic {
  /** The line as the person wrote it, trimmed. */
  readonly text: string;
  /** Normal form: two topics with the same key match the same papers. */
  readonly key: string;
  readonly include: readonly Term[];
  readonly exclude: readonly Term[];
  /** The terms to look for, in the order typed, each once. */
  readonly typed: readonly TypedTerm[];
  /** The terms to exclude, each once. */
  readonly excluded: readonly TypedTerm[];
  /** The FTS5 MATCH expression for the porter index, without expansions. */
  readonly query: string;
}

export class TopicError extends UserError {
  override name = 'TopicError';

  /** One message per topic at fault, so a form can list them all; `message` joins them. */
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(list.join(' '), 400, 'topics');
    this.problems = list;
  }
}

/**
 * A token as FTS5's unicode61 tokenizer (remove_diacritics 2) sees one: letters
 * and digits, with combining accents (U+0300–U+036F) inside the word. Every
 * other mark, symbol or invisible character separates tokens, as it does in
 * the index.
 */
const TOKEN = /[\p{L}\p{N}][\p{L}\p{N}\u0300-\u036f]*/gu;
const COMBINING_ACCENT = /[\u0300-\u036f]/gu;
// Control characters other than tab (NUL, escape codes, stray line breaks).
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

/**
 * Lower-cased tokens of text already in normal form. Lower-casing can leave a
 * loose accent ("İ" becomes "i" and a combining dot); it is dropped, as the
 * index drops it.
 */
function tokens(text: string): string[] {
  return (text.toLowerCase().match(TOKEN) ?? []).map((word) => word.replace(COMBINING_ACCENT, ''));
}

/** A short, printable excerpt of what the person typed, for an error message. */
function excerpt(line: string): string {
  const flat = line.replace(/\s+/g, ' ').replace(/\p{Cc}/gu, (ch) => {
    const code = ch.codePointAt(0)!;
    // Control pictures (␀, ␛, ␡) show where the character was without sending it.
    // Stryker disable next-line EqualityOperator: 0x20 is a space, never a control character.
    if (code < 0x20) return String.fromCodePoint(0x2400 + code);
    return code === 0x7f ? '\u2421' : '\ufffd';
  });
  return flat.length > 40 ? `${flat.slice(0, 40)}…` : flat;
}

// Stryker disable next-line BooleanLiteral: uniqueSorted only sorts and merges by it; a `=` before every single word changes neither.
function termKey(term: Term, exact = false): string {
  if (term.length > 1) return `"${term.join(' ')}"`;
  return exact ? `=${term[0]!}` : term[0]!;
}

function typedKey(term: TypedTerm): string {
  return termKey(term.words, term.exact);
}

function uniqueTyped(terms: TypedTerm[]): TypedTerm[] {
  return [...new Map(terms.map((term) => [typedKey(term), term] as const)).values()];
}

function phrase(term: Term): string {
  // Tokens hold letters and digits only, so they cannot close the quotes.
  return `"${term.join(' ')}"`;
}

function uniqueSorted(terms: Term[]): Term[] {
  const byKey = new Map(terms.map((term) => [termKey(term), term] as const));
  return [...byKey.keys()].sort().map((key) => byKey.get(key)!);
}

/**
 * Lines already parsed, as they were typed. People name the same topics
 * ("LoRA", "diffusion models"), and a form post parses every line: a parse
 * is ~3 µs of allocations, a lookup almost nothing. A topic is immutable
 * (frozen below), so every caller can share it. Only lines that parse are
 * kept, and the cap keeps made-up lines from filling memory.
 */
const parsed = new Map<string, Topic>();
const MAX_PARSED = 2_000;

/** Parses one topic line. Throws TopicError with a message fit to show the person. */
export function parseTopic(line: string): Topic {
  let topic = parsed.get(line);
  if (!topic) {
    topic = deepFreeze(parseLine(line));
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(line, topic);
  }
  return topic;
}

function deepFreeze(topic: Topic): Topic {
  for (const terms of [topic.include, topic.exclude]) for (const term of terms) Object.freeze(term);
  for (const terms of [topic.typed, topic.excluded]) for (const term of terms) Object.freeze(Object.freeze(term).words);
  for (const list of [topic.include, topic.exclude, topic.typed, topic.excluded]) Object.freeze(list);
  return Object.freeze(topic);
}

/**
 * Words nearly every abstract holds. A line made of these alone would match
 * (and send) almost every paper, so it is refused; beside other words they
 * are fine ("theory of mind").
 */
const COMMON_WORDS = new Set(
  (
    'a an the of and or in on at to for with by from as into onto via per is are was were be been being it its this that these those ' +
    'we our you your they their he she his her not no nor but if then than so such do does did has have had can could will would ' +
    'should may might must also about over under between through which who whom what when where why how all any each both more most ' +
    'other some only own same very just up out off again there here s t'
  ).split(' '),
);

function parseLine(line: string): Topic {
  const text = normalizeText(line).trim();
  // Curly quotes, so a topic that holds straight quotes does not show them doubled.
  const label = `Topic “${excerpt(text)}”`;
  if (text.length > TOPIC_LIMITS.maxLength) {
    throw new TopicError(`${label} is ${text.length} characters long; use at most ${TOPIC_LIMITS.maxLength}.`);
  }
  // Stryker disable next-line StringLiteral: tabs are taken out only so CONTROL passes them; what replaces them does not matter.
  if (CONTROL.test(text.replace(/\t/g, ' '))) {
    throw new TopicError(`${label} contains a control character; type it as plain text.`);
  }

  const include: TypedTerm[] = [];
  const exclude: TypedTerm[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    let negated = false;
    if (ch === '-') {
      negated = true;
      while (text[i] === '-') i += 1;
    }
    let raw: string;
    let exact = false;
    // An `=` marks the word after it exact; one before a space or at the end marks nothing.
    if (text[i] === '=') {
      exact = true;
      i += 1;
    }
    if (text[i] === '"') {
      const close = text.indexOf('"', i + 1);
      if (close === -1) {
        throw new TopicError(`${label} has a quote that is not closed; close it or remove it.`);
      }
      raw = text.slice(i + 1, close);
      i = close + 1;
      // A quoted single word is taken as written, like `=word` (a phrase never is exact, below).
      exact = true;
    } else {
      const start = i;
      // Stryker disable next-line EqualityOperator: one step past the end (text[i] undefined) slices the same text.
      while (i < text.length && !/[\s"]/.test(text[i]!)) i += 1;
      raw = text.slice(start, i);
      // Search-engine operators would otherwise be words every line must hold ("or" is in nearly every abstract).
      if (raw === 'OR') throw new TopicError(`${label} uses OR; put each alternative on a line of its own instead: a paper matches if any line matches.`);
      if (raw === 'NOT') throw new TopicError(`${label} uses NOT; put a minus before what to leave out instead, as in -video.`);
    }
    const words = tokens(raw);
    // Punctuation alone ("+", "::", a lone "-") has no words to look for.
    // Only a single word can be exact: a phrase is never expanded anyway.
    if (words.length > 0) (negated ? exclude : include).push({ words, exact: exact && words.length === 1 });
  }

  if (include.length === 0) {
    throw new TopicError(
      exclude.length > 0
        ? `${label} only excludes words; add at least one word to look for.`
        : `${label} has no letters or digits to look for.`,
    );
  }
  if (include.every((term) => term.words.every((word) => COMMON_WORDS.has(word)))) {
    throw new TopicError(`${label} has only words nearly every paper holds; add a word that says what the papers are about.`);
  }
  const typed = uniqueTyped(include);
  const excludedTyped = uniqueTyped(exclude);
  const included = uniqueSorted(typed.map((term) => term.words));
  const excluded = uniqueSorted(excludedTyped.map((term) => term.words));
  const sortedKeys = (terms: TypedTerm[]) => [...new Set(terms.map(typedKey))].sort();
  if (included.length + excluded.length > TOPIC_LIMITS.maxTerms) {
    throw new TopicError(`${label} has ${included.length + excluded.length} words and phrases; use at most ${TOPIC_LIMITS.maxTerms}.`);
  }

  const positive = included.map(phrase).join(' AND ');
  const query = excluded.length === 0 ? positive : `(${positive}) NOT (${excluded.map(phrase).join(' OR ')})`;
  // Keys of topics typed before exact terms existed are unchanged; a
  // quoted single word now keys as `=word` (store.ts re-keys stored topics).
  const key = [...sortedKeys(typed), ...sortedKeys(excludedTyped).map((term) => `-${term}`)].join(' ');
  return { text, key, include: included, exclude: excluded, typed, excluded: excludedTyped, query };
}

/**
 * Parses topics given as one newline-separated string or as a list (each item
 * may itself hold several lines). Blank lines are skipped and repeats merged.
 */
export function parseTopics(input: string | readonly string[]): Topic[] {
  const lines = (typeof input === 'string' ? [input] : input).flatMap((item) => item.split(/\r\n|\r|\n/));
  const topics = new Map<string, Topic>();
  // Every line is checked before any error is thrown, so a person fixes all their topics in one go.
  const problems: string[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    try {
      const topic = parseTopic(line);
      if (!topics.has(topic.key)) topics.set(topic.key, topic);
    } catch (err) {
      if (!(err instanceof TopicError)) throw err;
      problems.push(...err.problems);
    }
    if (topics.size + problems.length > TOPIC_LIMITS.maxTopics) {
      throw new TopicError(`That is more than ${TOPIC_LIMITS.maxTopics} topics; keep the ones you care about most.`);
    }
  }
  if (problems.length > 0) throw new TopicError(problems);
  if (topics.size === 0) {
    throw new TopicError('Enter at least one topic, one per line, such as: test-time adaptation');
  }
  return [...topics.values()];
}
