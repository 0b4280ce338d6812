import type { DefinitionCount } from '../papers/abbreviations.js';

/**
 * One long form per abbreviation: the one most papers give, when at least
 * `minSupport` papers give it and strictly more than give any other. A tie
 * is left unresolved, since either choice would be a guess.
 */
export function resolveDefinitions(counts: readonly DefinitionCount[], minSupport: number): Map<string, DefinitionCount> {
  const byAbbr = new Map<string, DefinitionCount[]>();
  for (const count of counts) byAbbr.set(count.abbr, [...(byAbbr.get(count.abbr) ?? []), count]);
  const resolved = new Map<string, DefinitionCount>();
  for (const [abbr, options] of byAbbr) {
    const [first, second] = [...options].sort((a, b) => b.papers - a.papers);
    if (first && first.papers >= minSupport && (second === undefined || first.papers > second.papers)) resolved.set(abbr, first);
  }
  return resolved;
}
