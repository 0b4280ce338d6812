import type { TextSegment } from '../mail/digest-email.js';

// A letter, digit or combining mark: what a whole-word match must not touch on either side.
const WORD_CHAR = String.raw`[\p{L}\p{N}\p{M}]`;
const WORDS = new RegExp(`${WORD_CHAR}+`, 'gu');
const ENDS_IN_WORD = new RegExp(`${WORD_CHAR}$`, 'u');
const STARTS_WITH_WORD = new RegExp(`^${WORD_CHAR}`, 'u');
// The words of a matched phrase may be joined by spaces or a hyphen ("test-time", "test time"),
// as they may in what the full-text index matched.
const SEPARATOR = String.raw`[\s\-\u2010\u2011]`;
const SEPARATORS = new RegExp(`${SEPARATOR}+`, 'gu');
const GAP = new RegExp(`^${SEPARATOR}{1,3}$`, 'u');
const ONLY_SEPARATORS = new RegExp(`^${SEPARATOR}+$`, 'u');

/**
 * Little words that FTS5 reports as matched when they sit inside a matched
 * phrase ("mixture of experts"). On their own they would light up every "of"
 * in an abstract, so they are only highlighted between two other hits.
 */
const JOINER_WORDS = new Set(['a', 'an', 'and', 'at', 'by', 'for', 'from', 'in', 'of', 'on', 'or', 'the', 'to', 'via', 'with']);

const isJoiner = (text: string) => JOINER_WORDS.has(text.toLowerCase());

/**
 * A term as words and what lies between them: `null` for spaces or hyphens
 * (either spelling matches), else the exact characters ("don't"). `lead`
 * and `tail` are characters around the words that the term also holds
 * ("(a|b)"). All lower-cased.
 */
interface TermShape {
  lead: string;
  words: string[];
  gaps: Array<string | null>;
  tail: string;
  length: number;
}

interface Token {
  start: number;
  end: number;
  word: string;
}

function tokens(text: string): Token[] {
  return Array.from(text.matchAll(WORDS), (match) => ({ start: match.index, end: match.index + match[0].length, word: match[0].toLowerCase() }));
}

/** A term with no letter or digit cannot be a whole word, so it never matches. */
function termShape(term: string): TermShape | null {
  const lower = term.toLowerCase();
  const words = tokens(lower);
  if (words.length === 0) return null;
  const gaps = words.slice(1).map((word, i) => {
    const gap = lower.slice(words[i]!.end, word.start);
    return ONLY_SEPARATORS.test(gap) ? null : gap;
  });
  return { lead: lower.slice(0, words[0]!.start), words: words.map((w) => w.word), gaps, tail: lower.slice(words.at(-1)!.end), length: lower.length };
}

/** Terms by their first word, longest first, so a phrase wins over a word it starts with. */
function shapesByFirstWord(terms: readonly string[]): Map<string, TermShape[]> {
  const byWord = new Map<string, TermShape[]>();
  for (const term of new Set(terms)) {
    const shape = termShape(term);
    if (!shape) continue;
    const list = byWord.get(shape.words[0]!) ?? [];
    list.push(shape);
    byWord.set(shape.words[0]!, list);
  }
  for (const list of byWord.values()) list.sort((a, b) => b.words.length - a.words.length || b.length - a.length);
  return byWord;
}

/** The span the term covers if it matches the text from token `i`, else null. `from` is where the previous hit ended. */
function matchAt(text: string, found: readonly Token[], i: number, shape: TermShape, from: number): { start: number; end: number } | null {
  const last = i + shape.words.length - 1;
  if (last >= found.length) return null;
  for (let k = 1; k < shape.words.length; k += 1) {
    if (found[i + k]!.word !== shape.words[k]) return null;
    const gap = text.slice(found[i + k - 1]!.end, found[i + k]!.start);
    const want = shape.gaps[k - 1];
    if (want === null ? !ONLY_SEPARATORS.test(gap) : gap.toLowerCase() !== want) return null;
  }
  const start = found[i]!.start - shape.lead.length;
  const end = found[last]!.end + shape.tail.length;
  if (start < from || text.slice(start, found[i]!.start).toLowerCase() !== shape.lead) return null;
  if (text.slice(found[last]!.end, end).toLowerCase() !== shape.tail) return null;
  // Whole words: the match may not touch another letter or digit on either side.
  if (ENDS_IN_WORD.test(text.slice(Math.max(0, start - 2), start)) || STARTS_WITH_WORD.test(text.slice(end, end + 2))) return null;
  return { start, end };
}

/**
 * Splits text into runs that are or are not one of `terms`: whole words,
 * case-insensitive, in any script, so the term "lora" lights up "LoRA" but not
 * "exploration". Neighbouring hits ("test-time" and "adaptation") merge into
 * one highlight.
 *
 * It compares words rather than building a pattern from the terms: a
 * Unicode-aware pattern takes about a millisecond to compile, and a digest run
 * meets thousands of different term lists.
 */
export function highlight(text: string, terms: readonly string[]): TextSegment[] {
  if (text === '') return [];
  const shapes = shapesByFirstWord(terms);
  if (shapes.size === 0) return [{ text, hit: false }];

  const raw: TextSegment[] = [];
  const found = tokens(text);
  let last = 0;
  for (let i = 0; i < found.length; i += 1) {
    for (const shape of shapes.get(found[i]!.word) ?? []) {
      const hit = matchAt(text, found, i, shape, last);
      if (!hit) continue;
      if (hit.start > last) raw.push({ text: text.slice(last, hit.start), hit: false });
      raw.push({ text: text.slice(hit.start, hit.end), hit: true });
      last = hit.end;
      i += shape.words.length - 1;
      break;
    }
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
