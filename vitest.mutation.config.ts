import { defineConfig } from 'vitest/config';

/**
 * The tests mutation testing runs (npm run test:mutation): those that pin
 * the core modules, in process. No global build (nothing here spawns the
 * built program) and no CLI or server tests, so each mutant costs seconds.
 */
export default defineConfig({
  test: {
    include: [
      'test/unit/rank.test.ts',
      'test/unit/local-time.test.ts',
      'test/unit/digest-key.test.ts',
      'test/unit/tokens.test.ts',
      'test/unit/topic-grammar.test.ts',
      'test/unit/topic-grammar-exact.test.ts',
      'test/integration/delivery-ledger.test.ts',
    ],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
