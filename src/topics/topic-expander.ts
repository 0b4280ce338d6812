import type { DefinitionCount } from '../papers/abbreviations.js';
import type { Term, Topic, TypedTerm } from './topic-grammar.js';
import { wordKey } from '../word-forms.js';

/** One way a topic was widened, as the reader sees it: "PEFT → parameter-efficient fine-tuning". */
export interface Expansion {
  /** The typed words that were expanded. */
  from: string;
  /** What they also stand for, as the glossary or the papers write it. */
  to: string;
  /** The words `to` looks for, lower-case. */
  words: Term;
  source: 'glossary' | 'papers';
}

interface Alternative {
  words: Term;
  shown: string;
  source: Expansion['source'];
}

/** The most lines one topic compiles to; a topic naming many glossary terms keeps the first combinations. */
export const MAX_LINES = 24;
/** Glossary forms span at most this many typed terms. */
const MAX_SPAN = 6;
const WORD = /[\p{L}\p{N}]+/gu;

const words = (text: string): string[] => text.toLowerCase().match(WORD) ?? [];
const keyOf = (tokens: readonly string[]) => tokens.map(wordKey).join(' ');

/**
 * Finds, in a topic as typed, the runs of words the glossary or the mined
 * abbreviations know, and what else they are called. Built once per
 * dictionary; expanding a topic is a few map look-ups.
 */
export class TopicExpander {
  private readonly index = new Map<string, Alternative[]>();

  constructor(glossary: readonly (readonly string[])[], mined: Iterable<DefinitionCount> = []) {
    for (const group of glossary) {
      const forms = group.map((shown) => ({ words: words(shown), shown, source: 'glossary' as const }));
      for (const form of forms) this.add(form.words, forms.filter((other) => other !== form));
    }
    // The glossary was reviewed by hand, so it wins; mined definitions fill in what it does not know.
    for (const { abbr, longForm } of mined) {
      if (this.index.has(keyOf([abbr]))) continue;
      const abbrWords = words(abbr);
      const longWords = words(longForm);
      this.add(abbrWords, [{ words: longWords, shown: longForm, source: 'papers' }]);
      if (!this.index.has(keyOf(longWords))) this.add(longWords, [{ words: abbrWords, shown: abbr.toUpperCase(), source: 'papers' }]);
    }
  }

  private add(tokens: readonly string[], alternatives: Alternative[]): void {
    if (tokens.length === 0) return;
    const key = keyOf(tokens);
    const known = this.index.get(key) ?? [];
    for (const alt of alternatives) {
      if (alt.words.length > 0 && !known.some((k) => keyOf(k.words) === keyOf(alt.words))) known.push(alt);
    }
    this.index.set(key, known);
  }

  /**
   * The topic's lines: the line as typed, then each combination of its
   * expanded runs. Exact terms (`=word`) are never part of a run.
   */
  expand(topic: Topic): { lines: TypedTerm[][]; expansions: Expansion[] } {
    const terms = topic.typed;
    const segments: Array<{ options: TypedTerm[][]; expansions: Expansion[] }> = [];
    let i = 0;
    while (i < terms.length) {
      let found: { end: number; alternatives: Alternative[] } | null = null;
      for (let end = Math.min(terms.length, i + MAX_SPAN); end > i && !found; end -= 1) {
        const span = terms.slice(i, end);
        if (span.some((term) => term.exact)) continue;
        const spanKey = keyOf(span.flatMap((term) => term.words));
        // A form that is only another spelling of what was typed ("test time adaptation") adds nothing.
        const alternatives = this.index.get(spanKey)?.filter((alt) => keyOf(alt.words) !== spanKey);
        if (alternatives?.length) found = { end, alternatives };
      }
      if (!found) {
        segments.push({ options: [[terms[i]!]], expansions: [] });
        i += 1;
        continue;
      }
      const span = terms.slice(i, found.end);
      const from = span.map((term) => term.words.join(' ')).join(' ');
      const typedFrom = typedText(topic.text, span) ?? from;
      segments.push({
        options: [span, ...found.alternatives.map((alt) => [{ words: alt.words, exact: false }])],
        expansions: found.alternatives.map((alt) => ({ from: typedFrom, to: alt.shown, words: alt.words, source: alt.source })),
      });
      i = found.end;
    }

    let lines: TypedTerm[][] = [[]];
    for (const { options } of segments) {
      lines = lines.flatMap((line) => options.map((option) => [...line, ...option])).slice(0, MAX_LINES);
    }
    return { lines, expansions: segments.flatMap((segment) => segment.expansions) };
  }
}

/** The run as the person typed it ("PEFT", "self-driving cars"), for the "why it matched" text. */
function typedText(text: string, span: readonly TypedTerm[]): string | null {
  const wanted = span.flatMap((term) => term.words);
  const found = [...text.matchAll(WORD)];
  for (let k = 0; k + wanted.length <= found.length; k += 1) {
    if (wanted.every((word, n) => found[k + n]![0].toLowerCase() === word)) {
      const last = found[k + wanted.length - 1]!;
      return text.slice(found[k]!.index, last.index + last[0].length);
    }
  }
  return null;
}
