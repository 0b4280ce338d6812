import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cleanEnv, ROOT } from '../helpers/run.js';

/**
 * Runs a small program in a real Node process that installs the server's
 * last-resort handlers (from the build) with a pino logger on stdout, or
 * none, then runs `fault`.
 */
function run(fault: string, install = true): Promise<{ code: number | null; stdout: string }> {
  const program = `
    import { pino } from 'pino';
    import { installLastResort } from './dist/last-resort.js';
    const logger = pino();
    if (${install}) installLastResort(process, logger, () => { console.log('STOP'); process.exitCode = 3; });
    ${fault}
    // Whoever is still running a moment later kept serving.
    setTimeout(() => console.log('STILL SERVING'), 100);
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', program], { cwd: ROOT, env: cleanEnv({}) });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

const failedWrite = `Promise.reject(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));`;

describe('the last-resort process handlers', () => {
  it('log a rejection nobody handled and keep the process serving', async () => {
    // Without them, Node ends the process on such a rejection.
    const bare = await run(failedWrite, false);
    expect(bare.code).not.toBe(0);
    expect(bare.stdout).not.toContain('STILL SERVING');

    const guarded = await run(failedWrite);
    expect(guarded.code).toBe(0);
    expect(guarded.stdout).toContain('STILL SERVING');
    const logged = JSON.parse(guarded.stdout.split('\n')[0]!) as { level: number; msg: string; err: { code: string } };
    expect(logged).toMatchObject({ level: 50, msg: 'a background task failed and nobody handled it; still serving', err: { code: 'SQLITE_BUSY' } });
  });

  it('log an uncaught exception and stop the process through the graceful shutdown', async () => {
    const result = await run(`setImmediate(() => { throw new Error('half-done callback'); });`);
    expect(result.stdout).toContain('"level":60');
    expect(result.stdout).toContain('half-done callback');
    expect(result.stdout).toContain('STOP');
    expect(result.code).toBe(3);
  });
});
