import { defineConfig } from 'vitest/config';

/**
 * Three projects, so a fast loop needs no build: `unit` runs pure modules
 * (`npm run test:unit`); `integration` builds `dist/` once, because CLI and
 * server tests spawn the built program; `drills` are the slow end-to-end
 * runs (crash and fault drills, the two-day demo, the screenshot check).
 * `npm test` runs all three.
 */
const DRILLS = [
  'test/integration/crash-drill.test.ts',
  'test/integration/digest-crash.test.ts',
  'test/integration/fault-drill.test.ts',
  'test/integration/digest-two-days.test.ts',
  'test/integration/digest-screenshot.test.ts',
];

export default defineConfig({
  test: {
    reporters: ['default', './test/helpers/summary.reporter.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          exclude: DRILLS,
          globalSetup: ['test/helpers/build.global.ts'],
        },
      },
      { extends: true, test: { name: 'drills', include: DRILLS, globalSetup: ['test/helpers/build.global.ts'] } },
    ],
  },
});
