import { describe, expect, it } from 'vitest';
import { modulesBelow, moduleScores, type MutationReport } from '../../scripts/mutation-test.js';

const mutants = (counts: Record<string, number>) =>
  Object.entries(counts).flatMap(([status, n]) => Array.from({ length: n }, () => ({ status })));

describe('the per-module mutation check', () => {
  it('scores each module as Stryker does and names each one under the threshold', () => {
    const report: MutationReport = {
      files: {
        'src/b.ts': { mutants: mutants({ Killed: 1900, Timeout: 80, Survived: 20 }) },
        'src/a.ts': { mutants: mutants({ Killed: 170, Survived: 29, NoCoverage: 1, Ignored: 4, CompileError: 3 }) },
        'src/c.ts': { mutants: mutants({ Ignored: 2 }) },
      },
    };
    const scores = moduleScores(report);
    expect(scores).toEqual([
      { file: 'src/a.ts', score: 85, survivors: 30 },
      { file: 'src/b.ts', score: 99, survivors: 20 },
      { file: 'src/c.ts', score: null, survivors: 0 },
    ]);
    // A module at the threshold passes, and the total (97.7% here) does not rescue one under it.
    expect(modulesBelow(scores, 90)).toEqual(['src/a.ts: 85.00% (30 undetected), under 90%']);
    expect(modulesBelow(scores, 85)).toEqual([]);
  });
});
