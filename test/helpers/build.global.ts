import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * CLI and server tests run the built program, as `npx paperboy` and
 * `npm start` do; build it once so they never test a stale `dist/`. Two
 * projects list this setup, and one run builds once: vitest runs global
 * setups one after another in its own process, so a flag there suffices.
 */
export default function setup(): void {
  if (process.env.PAPERBOY_TEST_BUILT) return;
  const root = fileURLToPath(new URL('../../', import.meta.url));
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  process.env.PAPERBOY_TEST_BUILT = '1';
}
