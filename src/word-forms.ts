/**
 * The light suffix rule that replaces the porter stemmer for matching.
 * Porter folds too much ("generation" and "generalization" both become
 * "gener", "contrastive" becomes "contrast"); this rule only strips endings
 * that keep the word's meaning, and only when at least four letters remain.
 */

const MIN_STEM = 4;

// Longest first; each maps an ending to what is kept of it.
const SUFFIXES: ReadonlyArray<readonly [string, string]> = [
  ['izations', 'iz'],
  ['ization', 'iz'],
  ['isations', 'is'],
  ['isation', 'is'],
  ['ations', 'at'],
  ['ation', 'at'],
  ['izing', 'iz'],
  ['izers', 'iz'],
  ['izer', 'iz'],
  ['ized', 'iz'],
  ['izes', 'iz'],
  ['ize', 'iz'],
  ['ions', ''],
  ['ion', ''],
  ['ings', ''],
  ['ing', ''],
  ['ies', ''],
  ['ers', ''],
  ['er', ''],
  ['ed', ''],
];

export interface WordForm {
  /** The word as typed, lower-cased. */
  word: string;
  /**
   * A stem to match as a prefix ("quantiz" for "quantization"), or null when
   * the word has no ending to strip and matches itself and its plural.
   */
  stem: string | null;
  /** The word without a plural "s", when it had one. */
  singular: string;
}

export function wordForm(word: string): WordForm {
  const singular = word.length >= MIN_STEM && word.endsWith('s') && !word.endsWith('ss') && !/(ies|ers|ions|ings|izes|izers)$/.test(word) ? word.slice(0, -1) : word;
  for (const [ending, kept] of SUFFIXES) {
    if (singular.endsWith(ending)) {
      const stem = singular.slice(0, -ending.length) + kept;
      if (stem.length >= MIN_STEM) return { word, stem, singular };
    }
  }
  return { word, stem: null, singular };
}

/** What two spellings of one word have in common, for comparing a topic with a glossary form. */
export function wordKey(word: string): string {
  const form = wordForm(word);
  return form.stem ?? form.singular;
}
