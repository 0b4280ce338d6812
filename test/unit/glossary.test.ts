import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findDefinitions } from '../../src/papers/abbreviations.js';
import { resolveDefinitions } from '../../src/topics/abbreviations.js';
import { GLOSSARY } from '../../src/topics/glossary.js';
import { compileTopic } from '../../src/topics/topic-compiler.js';
import { TopicExpander } from '../../src/topics/topic-expander.js';
import { parseTopic, TopicError } from '../../src/topics/topic-grammar.js';
import { type WordForm, wordKey } from '../../src/word-forms.js';

const key = (form: string) => (form.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map(wordKey).join(' ');

describe('the glossary', () => {
  it('has at least 150 groups of two or more forms, each with words to look for', () => {
    expect(GLOSSARY.length).toBeGreaterThanOrEqual(150);
    for (const group of GLOSSARY) {
      expect(group.length, group.join(' | ')).toBeGreaterThanOrEqual(2);
      for (const form of group) expect(key(form), form).not.toBe('');
    }
  });

  it('gives no form two meanings: a form in two groups would silently merge them', () => {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const group of GLOSSARY) {
      for (const form of group) {
        const other = seen.get(key(form));
        if (other !== undefined && other !== group[0]) clashes.push(`${form}: ${other} / ${group[0]}`);
        seen.set(key(form), group[0]!);
      }
    }
    expect(clashes).toEqual([]);
  });

  it('leaves out abbreviations the fields use for two things', () => {
    const forms = new Set(GLOSSARY.flat().map(key));
    for (const ambiguous of ['CL', 'DA', 'AL', 'PT', 'SR']) expect(forms.has(key(ambiguous)), ambiguous).toBe(false);
  });
});

describe('mining definitions', () => {
  it('finds "long form (ABBR)" with hyphens, mixed case and plurals', () => {
    const text =
      'We study Mixture-of-Experts (MoE) layers and parameter-efficient fine-tuning (PEFT) for large language models (LLMs). ' +
      'Results (see Table 1) hold at (i) small scale. AdaLog (AdaLog) is a name.';
    expect(findDefinitions(text)).toEqual([
      { abbr: 'moe', longForm: 'mixture of expert' },
      { abbr: 'peft', longForm: 'parameter efficient fine tuning' },
      { abbr: 'llm', longForm: 'large language model' },
    ]);
  });

  it('resolves by majority, needs enough support, and leaves a tie alone', () => {
    const resolved = resolveDefinitions(
      [
        { abbr: 'cl', longForm: 'continual learning', papers: 4 },
        { abbr: 'cl', longForm: 'curriculum learning', papers: 1 },
        { abbr: 'ts', longForm: 'trajectory sampler', papers: 1 },
        { abbr: 'da', longForm: 'domain adaptation', papers: 2 },
        { abbr: 'da', longForm: 'data augmentation', papers: 2 },
      ],
      2,
    );
    expect([...resolved.entries()].map(([abbr, d]) => `${abbr}=${d.longForm}`)).toEqual(['cl=continual learning']);
  });
});

describe('compiled topics', () => {
  const expander = new TopicExpander(GLOSSARY, [{ abbr: 'snn', longForm: 'spiking neural network', papers: 3 }]);

  it('hold only quoted runs of letters and digits, prefix stars and FTS5 operators, whatever is typed', () => {
    // Typed text mixed with the glossary's own words, so expansions are exercised too.
    const pieces = fc.constantFrom('PEFT', 'lifelong learning', 'self-driving cars', '=RL', '"LLM"', '-video', 'NEAR', 'OR', '*', '"', ':', '^', '(', ')', 'SNN', 'ＬｏＲＡ');
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string()), { maxLength: 6 }), (parts) => {
        let topic;
        try {
          topic = parseTopic(parts.join(' '));
        } catch (error) {
          if (error instanceof TopicError) return;
          throw error;
        }
        // Forms the index might hold, as its vocabulary would give them.
        const formsOf = (form: WordForm) => [form.singular, `${form.singular}ed`, `${form.stem ?? form.singular}ing`];
        const compiled = compileTopic(topic, expander, { formsOf, has: (word) => word.length % 2 === 0 });
        for (const query of [compiled.query, compiled.exactQuery]) {
          const rest = query.replace(/"[\p{L}\p{N}\u0300-\u036f ]*"/gu, '');
          expect(rest, query).toMatch(/^(?:\s|\(|\)|\*|,|\d|AND|OR|NOT|NEAR)*$/);
        }
      }),
      { numRuns: 500, seed: 20261202 },
    );
  });
});
