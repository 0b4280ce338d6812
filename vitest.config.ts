import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CLI and server tests spawn the built program; the build runs once before the suite.
    globalSetup: ['test/helpers/build.global.ts'],
    reporters: ['default', './test/helpers/summary.reporter.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
