import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rankers, simulate, simulationWorld, thresholdFailures, type Ranker } from '../../eval/feedback.js';
import { evaluationStore, readLabels } from '../../eval/relevance.js';
import { DEFAULT_MODEL } from '../../src/feedback/reader-model.js';
import { tempDir } from '../helpers/store.js';

describe('the feedback evaluation (npm run eval:feedback)', () => {
  it('passes with the model the digest uses, and fails its threshold check with a model that ignores feedback', { timeout: 120_000 }, () => {
    const db = evaluationStore(path.join(tempDir(), 'eval.db'));
    try {
      const world = simulationWorld(db, readLabels());
      // Every hidden interest is a real set of labelled papers, a minority of the store.
      for (const interest of world.interests) {
        expect(interest.wanted.size, interest.name).toBeGreaterThan(10);
        expect(interest.wanted.size, interest.name).toBeLessThan(world.papers.length / 2);
      }
      const [topicsOnly, learned] = rankers([DEFAULT_MODEL]);
      // Fits something, but from the store rather than the reader's marks: a constant model.
      const first = world.vectors.values().next().value!;
      const ignoring: Ranker = { name: 'ignores feedback', fit: () => new Map(Array.from(first.features, (f, i) => [f, first.weights[i]!])) };
      const [plain, model, deaf] = simulate(world, [topicsOnly!, learned!, ignoring]);

      expect(thresholdFailures(plain!, model!)).toEqual([]);
      expect(model!.byDay[0]).toBe(plain!.byDay[0]);
      expect(thresholdFailures(plain!, deaf!).join('; ')).toMatch(/ignores feedback: day 10 gain .* < 0.1/);
      // And one that makes day 1 worse is caught too.
      const worseFirst = { ...model!, name: 'worse first', byDay: [plain!.byDay[0]! - 0.01, ...model!.byDay.slice(1)] };
      expect(thresholdFailures(plain!, worseFirst).join('; ')).toMatch(/worse first: day 1/);
    } finally {
      db.close();
    }
  });
});
