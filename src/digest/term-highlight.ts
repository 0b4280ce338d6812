import type { TextSegment } from '../mail/digest-email.js';

// A letter, digit or combining mark: what a whole-word match must not touch on either side.
const WORD_CHAR = String.raw`[\p{L}\p{N}\p{M}]`;
// The words of a matched phrase may be joined by spaces or a hyphen ("test-time", "test time"),
// as they may in what the full-text index matched.
const SEPARATOR = String.raw`[\s\-\u2010\u2011]`;
const SEPARATORS = new RegExp(`${SEPARATOR}+`, 'gu');
const GAP = new RegExp(`^${SEPARATOR}{1,3}$`, 'u');
const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;

/**
 * Little words that FTS5 reports as matched when they sit inside a matched
 * phrase ("mixture of experts"). On their own they would light up every "of"
 * in an abstract, so they are only highlighted between two other hits.
 */
const JOINER_WORDS = new Set(['a', 'an', 'and', 'at', 'by', 'for', 'from', 'in', 'of', 'on', 'or', 'the', 'to', 'via', 'with']);

const isJoiner = (text: string) => JOINER_WORDS.has(text.toLowerCase());

function termPattern(term: string): string {
  return term
    .split(SEPARATORS)
    .filter(Boolean)
    .map((word) => word.replace(REGEX_SYNTAX, '\\$&'))
    .join(`${SEPARATOR}+`);
}

/**
 * Splits text into runs that are or are not one of `terms`: whole words,
 * case-insensitive, in any script, so the term "lora" lights up "LoRA" but not
 * "exploration". Neighbouring hits ("test-time" and "adaptation") merge into
 * one highlight.
 */
export function highlight(text: string, terms: readonly string[]): TextSegment[] {
  if (text === '') return [];
  // Longest first, so a phrase wins over a word it starts with.
  const patterns = [...new Set(terms.map(termPattern).filter(Boolean))].sort((a, b) => b.length - a.length);
  if (patterns.length === 0) return [{ text, hit: false }];
  const pattern = new RegExp(`(?<!${WORD_CHAR})(?:${patterns.join('|')})(?!${WORD_CHAR})`, 'giu');

  const raw: TextSegment[] = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) raw.push({ text: text.slice(last, match.index), hit: false });
    raw.push({ text: match[0], hit: true });
    last = match.index + match[0].length;
  }
  if (last < text.length) raw.push({ text: text.slice(last), hit: false });

  const isHit = (i: number) => raw[i]?.hit === true && !isJoiner(raw[i]!.text);
  const isGap = (i: number) => raw[i]?.hit === false && GAP.test(raw[i]!.text);
  const inPhrase = (i: number) => isHit(i - 2) && isGap(i - 1) && isGap(i + 1) && isHit(i + 2);

  const merged: TextSegment[] = [];
  raw.forEach((segment, i) => {
    const hit = segment.hit && (!isJoiner(segment.text) || inPhrase(i));
    const prev = merged.at(-1);
    const beforePrev = merged.at(-2);
    if (prev && prev.hit === hit) {
      prev.text += segment.text;
    } else if (hit && prev && beforePrev?.hit && GAP.test(prev.text)) {
      merged.pop();
      beforePrev.text += prev.text + segment.text;
    } else {
      merged.push({ text: segment.text, hit });
    }
  });
  return merged;
}

/**
 * The terms worth listing under "why it matched": "mixture, of, experts"
 * reads as noise, and "test time" beside "test-time" says one thing twice.
 */
export function displayTerms(terms: readonly string[]): string[] {
  const seen = new Set<string>();
  const shown = terms.filter((term) => {
    const key = term.replace(SEPARATORS, ' ');
    if (isJoiner(term) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return shown.length > 0 ? shown : [...terms];
}
