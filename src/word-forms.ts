/**
 * The light suffix rule that replaces the porter stemmer for matching.
 * Porter folds too much ("generation" and "generalization" both become
 * "gener", "contrastive" becomes "contrast"); this rule only strips endings
 * that keep the word's meaning, and only when at least four letters remain.
 */

const MIN_STEM = 4;

// Longest first; each maps an ending to what is kept of it. No "-er": an agent is another thing than
// its verb ("adapters" reached "adaptation", "learners" every paper on learning, "optimizers" "optimization").
const SUFFIXES: ReadonlyArray<readonly [string, string]> = [
  ['izations', 'iz'],
  ['ization', 'iz'],
  ['isations', 'is'],
  ['isation', 'is'],
  ['ising', 'is'],
  ['ised', 'is'],
  ['ations', 'at'],
  ['ation', 'at'],
  ['izing', 'iz'],
  ['ized', 'iz'],
  ['izes', 'iz'],
  ['ize', 'iz'],
  ['ions', ''],
  ['ion', ''],
  ['ings', ''],
  ['ing', ''],
  ['ies', ''],
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
  /**
   * The ending was "-ize"'s or "-ise"'s ("-ization", "-ised"…), so the stem
   * ends in "iz" or "is": the American and the British spelling of one word.
   */
  izFamily: boolean;
}

/** An "-iz" family stem in its American spelling, so "quantis" (British) and "quantiz" compare equal. */
const izSpelling = (stem: string) => (stem.endsWith('is') ? `${stem.slice(0, -2)}iz` : stem);

/**
 * A stem or word with British doubling undone: "modell" (modelling) and
 * "model" (modeling), "labell" and "label", compare equal. Only after a
 * vowel and past four letters, so "fill" keeps its "ll"; a word and its
 * forms go through the same rule ("skill", "skilled"), so they still agree.
 */
const undoubled = (stem: string) => (stem.length >= 5 && /[aeiou]ll$/.test(stem) ? stem.slice(0, -1) : stem);

/** A word with no ending to strip that ends in "e", without it: "tun" for "tune", as in "tuning". */
const withoutE = (form: WordForm) => (form.stem === null && form.singular.endsWith('e') && form.singular.length >= MIN_STEM ? form.singular.slice(0, -1) : null);

/** The stem's verb with the "e" an ending took off: "prune" (or "prunes") for "prun", from "pruning". */
const isStemWithE = (token: string, stem: string) => token === `${stem}e` || token === `${stem}es`;

/** Where the words of a form are found in a sorted vocabulary: its stem, and for an "-iz" stem both spellings. */
export function stemPrefixes(form: WordForm): string[] {
  // A word in "e" loses it before an ending, so its forms start one letter sooner.
  const stem = withoutE(form) ?? undoubled(form.stem ?? form.singular);
  if (!form.izFamily) return [stem];
  const american = izSpelling(stem);
  return [american, `${american.slice(0, -2)}is`];
}

export function wordForm(word: string): WordForm {
  const plain = word.length >= MIN_STEM && word.endsWith('s') && !word.endsWith('ss') && !/(ies|ions|ings|izes)$/.test(word) ? word.slice(0, -1) : word;
  // An agent noun keeps its ending (an "optimizer" is not an "optimization", an "adapter" not an
  // "adaptation"), but its British spelling is still the same noun.
  const singular = plain.length >= MIN_STEM + 4 && plain.endsWith('iser') ? `${plain.slice(0, -4)}izer` : plain;
  for (const [ending, kept] of SUFFIXES) {
    if (singular.endsWith(ending)) {
      const stem = singular.slice(0, -ending.length) + kept;
      if (stem.length >= MIN_STEM) return { word, stem, singular, izFamily: kept === 'iz' || kept === 'is' };
    }
  }
  return { word, stem: null, singular, izFamily: false };
}

/** What two spellings of one word have in common, for comparing a topic with a glossary form ("-ise" and "-ize" alike). */
export function wordKey(word: string): string {
  const form = wordForm(word);
  if (form.stem === null) return undoubled(form.singular);
  return form.izFamily ? izSpelling(form.stem) : undoubled(form.stem);
}

/**
 * What every spelling of a form's words begins with: the stem ("quantiz"),
 * for an "-iz" stem without its "iz" or "is" ("quant", which both spellings
 * share), and with British doubling undone ("model" for "modelling").
 */
export function commonPrefix(form: WordForm): string {
  if (form.stem === null) return form.singular;
  return form.izFamily ? form.stem.slice(0, -2) : undoubled(form.stem);
}

/** What may follow a word as typed and still be that word: a plural, a tense, an agent, an adjective. */
const ENDINGS = new Set(['s', 'es', 'ed', 'd', 'ing', 'ings', 'er', 'ers', 'al', 'ally', 'able', 'ably', 'ly']);
const VOWEL = /[aeiouy]/;
/** The endings that take a final "e" off first. */
const E_ENDINGS = new Set(['ing', 'ings', 'ed', 'er', 'ers']);

/**
 * Whether a word of a paper is a form of a topic word with an ending the
 * suffix rule strips. The rule's stem alone would reach too far as a prefix
 * ("transf" for "transfer" reaches "transformer", "posit" for "position"
 * reaches "positive"), so a word counts only when it is the typed word plus
 * an ending ("transferred", its last consonant doubled; "positional",
 * "tuning" for "tune"), when it comes down to the same stem ("quantized"
 * for "quantization", "quantised" too, "prune" for "pruning"), or when it
 * goes on from a stem in "-iz".
 */
export function isFormOf(token: string, form: WordForm): boolean {
  if (token === form.word || token === form.singular) return true;
  if (token.startsWith(form.singular)) {
    let rest = token.slice(form.singular.length);
    const last = form.singular.at(-1)!;
    if (rest.length > 1 && rest[0] === last && !VOWEL.test(last)) rest = rest.slice(1);
    if (ENDINGS.has(rest)) return true;
  }
  // A base that ends in "e" drops it before a vowel: "tuning", "tuned" for "tune"; "distilled" is "distill" + "ed" above.
  const base = withoutE(form);
  if (base !== null && token.startsWith(base) && E_ENDINGS.has(token.slice(base.length))) return true;
  if (form.stem === null) return false;
  if (!form.izFamily) {
    // The base a verb's "-ing" or "-ion" came from drops its "e" there: "prune" for "pruning", "generate" for "generation".
    return isStemWithE(token, form.stem) || wordKey(token) === undoubled(form.stem);
  }
  // "-iz" is a morpheme of its own: whatever follows it is still the same word ("generalizable" for
  // "generalization"). The British spelling only by its own endings ("quantised"), as "organis" begins "organism".
  const stem = izSpelling(form.stem);
  if (token.startsWith(stem) || wordKey(token) === stem) return true;
  // Not every "-ise" is "-ize": "supervised" is also "supervision" and "supervise", "denoised" "denoise".
  return !form.stem.endsWith('iz') && (isStemWithE(token, form.stem) || wordKey(token) === form.stem);
}
