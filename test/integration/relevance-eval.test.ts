import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate, evaluationStore, expandedMatcher, readBaseline, readLabels, regressions, type MatchFn } from '../../eval/relevance.js';
import { tempDir } from '../helpers/store.js';

describe('the relevance evaluation', () => {
  const labels = readLabels();

  it('holds at least 25 labelled topics, each with relevant papers and of a stated kind', () => {
    expect(labels.length).toBeGreaterThanOrEqual(25);
    for (const label of labels) {
      expect(label.relevant.length, label.topic).toBeGreaterThan(0);
      expect(label.kind, label.topic).not.toBe('');
    }
    expect(new Set(labels.map((label) => label.kind))).toEqual(
      new Set(['acronym', 'synonym', 'phrase', 'exclusion', 'stemming trap', 'works already']),
    );
  });

  it('labels only papers that exist in the evaluation store', () => {
    const db = evaluationStore(path.join(tempDir(), 'eval.db'));
    const ids = new Set(db.prepare<[], { id: string }>('SELECT id FROM papers').all().map((row) => row.id));
    db.close();
    const unknown = labels.flatMap((label) => label.relevant.filter((id) => !ids.has(id)));
    expect(unknown).toEqual([]);
  });

  it('passes with the real matcher and fails its threshold check with a broken one', () => {
    const db = evaluationStore(path.join(tempDir(), 'eval.db'));
    try {
      const baseline = readBaseline();
      const real = evaluate(labels, expandedMatcher(db));
      expect(regressions(real, baseline)).toEqual([]);
      expect(real.recall).toBeGreaterThanOrEqual(0.8);
      expect(real.precision).toBeGreaterThanOrEqual(0.7);

      // Drops every expansion's papers: a matcher that only finds the title's exact words.
      const titlesOnly: MatchFn = (topic) =>
        db
          .prepare<[string], { id: string }>('SELECT papers.id FROM papers_exact JOIN papers ON papers.seq = papers_exact.rowid WHERE papers_exact MATCH ?')
          .all(`title : ${topic.include.map((term) => `"${term.join(' ')}"`).join(' AND ')}`)
          .map((row) => row.id);
      const broken = evaluate(labels, titlesOnly);
      expect(regressions(broken, baseline).join('; ')).toMatch(/recall .* < baseline/);

      // Returns everything: recall is perfect, precision is not.
      const all = db.prepare<[], { id: string }>('SELECT id FROM papers').all().map((row) => row.id);
      expect(regressions(evaluate(labels, () => all), baseline).join('; ')).toMatch(/precision .* < baseline/);
    } finally {
      db.close();
    }
  });
});
