/**
 * `npm run test:mutation [-- --mutate src/x.ts]`: runs Stryker with the
 * arguments given, then holds EACH mutated module to the break threshold of
 * stryker.config.mjs. Stryker applies that threshold to the total only, so a
 * weak module can hide behind strong ones.
 *
 * Exits 1 when Stryker fails, when its JSON report is missing, or when any
 * module scores under the threshold, naming each such module.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The parts of Stryker's JSON report (mutation-testing-report-schema) read here. */
export interface MutationReport {
  files: Record<string, { mutants: readonly { status: string }[] }>;
}

export interface ModuleScore {
  file: string;
  /** Percent of valid mutants detected; null when a module has none. */
  score: number | null;
  survivors: number;
}

// Stryker's own arithmetic: killed and timed-out mutants are detected,
// survived and uncovered ones are not; the rest (ignored, compile or runtime
// errors) do not count either way.
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

export function moduleScores(report: MutationReport): ModuleScore[] {
  return Object.entries(report.files)
    .map(([file, { mutants }]) => {
      const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
      const undetected = mutants.filter((m) => UNDETECTED.has(m.status)).length;
      const valid = detected + undetected;
      return { file, score: valid === 0 ? null : (100 * detected) / valid, survivors: undetected };
    })
    .sort((a, b) => a.file.localeCompare(b.file));
}

/** The modules under `threshold` percent, as lines to print. */
export function modulesBelow(scores: readonly ModuleScore[], threshold: number): string[] {
  return scores
    .filter((s) => s.score !== null && s.score < threshold)
    .map((s) => `${s.file}: ${s.score!.toFixed(2)}% (${s.survivors} undetected), under ${threshold}%`);
}

async function main(): Promise<number> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { default: config } = (await import(path.join(root, 'stryker.config.mjs'))) as {
    default: { thresholds: { break: number }; jsonReporter: { fileName: string } };
  };
  const reportPath = path.join(root, config.jsonReporter.fileName);
  // A report left by an earlier run must not pass for this one.
  rmSync(reportPath, { force: true });

  const run = spawnSync('stryker', ['run', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', shell: false });
  if (run.error) {
    console.error(`Could not start Stryker (${run.error.message}); run this through npm run test:mutation.`);
    return 1;
  }
  if (!existsSync(reportPath)) {
    console.error(`Stryker wrote no JSON report at ${config.jsonReporter.fileName}.`);
    return 1;
  }
  const scores = moduleScores(JSON.parse(readFileSync(reportPath, 'utf8')) as MutationReport);
  for (const s of scores) console.log(`${s.file}: ${s.score === null ? 'no mutants' : `${s.score.toFixed(2)}%`}`);
  const below = modulesBelow(scores, config.thresholds.break);
  for (const line of below) console.error(line);
  return run.status === 0 && below.length === 0 ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
