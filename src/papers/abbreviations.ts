import { wordForm } from '../word-forms.js';

/**
 * Mining "long form (ABBR)" definitions from paper text, after Schwartz and
 * Hearst (2003): the abbreviation's letters are found right to left in the
 * words before the parenthesis, and its first letter must start a word.
 */

export interface Definition {
  /** Lower-case, singular: "llm" for "LLMs". */
  abbr: string;
  /** Lower-case words joined by single spaces, the last one singular. */
  longForm: string;
}

// An abbreviation: 2-12 letters, digits or hyphens, starting with a letter.
const CANDIDATE = /\(([A-Za-z][A-Za-z0-9-]{1,11})\)/g;
const WORD = /[\p{L}\p{N}]+/gu;
// Abbreviations spelled like common words ("AT", "IT", "ON") are not worth an expansion.
const COMMON_WORDS = new Set(['at', 'it', 'on', 'in', 'as', 'is', 'or', 'an', 'to', 'of', 'by', 'we', 'us', 'if', 'no', 'so', 'do', 'be', 'up', 'go', 'me', 'my', 'he', 'and', 'the', 'for', 'all', 'can', 'one', 'two', 'new', 'not', 'are']);

function isAlnum(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
}

/** The shortest tail of `text` that spells `abbr`, or null. */
function bestLongForm(abbr: string, text: string): string | null {
  let s = abbr.length - 1;
  let l = text.length - 1;
  while (s >= 0) {
    const c = abbr[s]!.toLowerCase();
    if (!isAlnum(c)) {
      s -= 1;
      continue;
    }
    while (l >= 0 && (text[l]!.toLowerCase() !== c || (s === 0 && isAlnum(text[l - 1])))) l -= 1;
    if (l < 0) return null;
    l -= 1;
    s -= 1;
  }
  return text.slice(text.lastIndexOf(' ', l) + 1);
}

/** Definitions given in one paper's text, each once. */
export function findDefinitions(text: string): Definition[] {
  const found = new Map<string, Definition>();
  for (const match of text.matchAll(CANDIDATE)) {
    const raw = match[1]!;
    // Two capitals at least: "(PEFT)", "(MoE)", "(LLMs)"; "(see)" or "(i)" are not abbreviations.
    if ((raw.match(/[A-Z]/g) ?? []).length < 2) continue;
    const plural = /[A-Z]s$/.test(raw);
    const abbr = (plural ? raw.slice(0, -1) : raw).toLowerCase();
    if (COMMON_WORDS.has(abbr) || abbr.replace(/[^a-z0-9]/g, '').length < 2) continue;

    // The words before the parenthesis, within the sentence, at most min(|A| + 5, 2|A|) of them.
    const before = text.slice(0, match.index).replace(/\s+$/, '');
    const sentence = before.split(/[.;:!?()[\]]\s/).pop() ?? '';
    const words = sentence.split(/\s+/).filter(Boolean);
    const letters = abbr.replace(/[^a-z0-9]/g, '').length;
    const window = words.slice(-Math.min(letters + 5, letters * 2)).join(' ');
    const long = bestLongForm(abbr, window);
    if (!long) continue;
    const tokens = (long.toLowerCase().match(WORD) ?? []);
    // A one-word "long form" is a name, not a definition ("AdaLog (AdaLog)").
    if (tokens.length < 2 || tokens.join('') === abbr.replace(/[^a-z0-9]/g, '')) continue;
    // "networks (SNNs)" and "networks (SNN)" are one definition.
    tokens[tokens.length - 1] = wordForm(tokens.at(-1)!).singular;
    const longForm = tokens.join(' ');
    if (longForm.length < 3 || longForm.length > 120) continue;
    found.set(`${abbr}\u0000${longForm}`, { abbr, longForm });
  }
  return [...found.values()];
}

export interface DefinitionCount extends Definition {
  /** How many papers give this definition. */
  papers: number;
}
