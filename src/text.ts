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

/**
 * At most `max` characters, ending in "…" when cut. It counts code points, so
 * a cut never falls inside a surrogate pair: half an emoji would be stored
 * (and mailed) as U+FFFD.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/**
 * Text fit for one line: line breaks, other controls and runs of spaces
 * become one space. Error messages, log lines and mail headers use it: a
 * line break in a subject would start a new header, and one in a CLI message
 * would break the "one line per error" promise.
 */
export function oneLine(text: string): string {
  return normalizeText(text)
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

/**
 * Text from a source (an id, a title) made safe to print on a terminal: a
 * control character is shown as an escape (`\x1b`, `\u202e`) instead of
 * being sent, so a paper cannot move the cursor, recolour the screen or
 * reverse the text around it.
 */
export function printable(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/gu, (ch) => {
    const code = ch.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
