/**
 * Mutation testing of the core modules: `npm run test:mutation`, or one
 * module at a time with `npm run test:mutation -- --mutate src/ranking/score.ts`.
 * Only the tests related to the mutated file run (vitest's `related`), from
 * the in-process set in vitest.mutation.config.ts.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  mutate: [
    'src/ranking/score.ts',
    'src/digest/local-time.ts',
    'src/digest/digest-key.ts',
    'src/digest/delivery.repository.ts',
    'src/topics/topic-grammar.ts',
    'src/subscriptions/tokens.ts',
  ],
  coverageAnalysis: 'perTest',
  // The machine is shared; one test process at a time.
  concurrency: 1,
  // A mutant that loops forever is killed after this long beyond the normal run.
  timeoutMS: 10_000,
  ignorePatterns: ['dist', 'data', 'coverage', 'reports', 'test-results', '.template-cache', 'bench/results*.json'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  // Read by scripts/mutation-test.ts: the break threshold below covers
  // the total only, the script holds each module to it.
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Every core module must score at least 90%.
  thresholds: { high: 95, low: 90, break: 90 },
};
