/**
 * The one text form shared by the paper store and the topic grammar, so a
 * word typed into a topic is spelt the way the index holds it.
 *
 * FTS5's unicode61 tokenizer folds case and accents but not compatibility
 * forms, so both sides are put in NFKC: full-width "ＬｏＲＡ" is "LoRA", the
 * ligature "ﬁ" is "fi", and "R²" is "R2".
 *
 * Bidirectional overrides and isolates, and the byte-order mark, are dropped:
 * they can make text display as something other than what it holds. Other
 * invisible characters (zero-width joiners, soft hyphens) are kept, since
 * scripts such as Persian need them, and they separate words in the index.
 */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\ufeff]/gu;

export function normalizeText(text: string): string {
  return text.normalize('NFKC').replace(BIDI_CONTROLS, '');
}

/**
 * The URL if it is http(s), else null: a `javascript:` or `data:` link from a
 * source must never become an href. Ingest applies it to what it stores, and
 * the digest again to what it shows, in case a row came in another way.
 */
export function httpUrl(value: string | null): string | null {
  if (!value) return null;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}
