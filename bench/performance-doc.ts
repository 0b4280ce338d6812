/**
 * Keeps the figures in docs/performance.md the ones in bench/results.json:
 * `npm run bench` rewrites the block between the markers after a real run,
 * and a test fails when the committed block and the committed results differ.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PERFORMANCE_DOC = fileURLToPath(new URL('../docs/performance.md', import.meta.url));
export const RESULTS_FILE = fileURLToPath(new URL('./results.json', import.meta.url));
const START = '<!-- figures:start (generated from bench/results.json by bench/performance-doc.ts) -->';
const END = '<!-- figures:end -->';

interface Target {
  value: string;
  met: boolean;
}

export interface BenchResults {
  measured_at: string;
  machine: { node: string; cores: number; cpu: string | null };
  targets: Record<string, Target>;
  [figure: string]: unknown;
}

/** The figures only a `BENCH_LARGE=1` run measures, and the targets made from them. */
export const LARGE_FIGURES = ['digests_per_sec_1m', 'peak_rss_mb_1m', 'match_seconds_1m', 'plan_seconds_1m'] as const;
export const LARGE_TARGETS = ['digests/s at 1M at least 0.9 of 100k', 'RSS at 1M at most 1.2x that at 10k'] as const;

/**
 * A run without `BENCH_LARGE=1` measures nothing at a million, so it keeps
 * the last large run's figures and targets (with that run's date, in
 * `large_measured_at`) rather than writing nulls over them. `results` is
 * the new run's; `previous` what bench/results.json held, if anything.
 */
export function keepLargeFigures(results: BenchResults, previous: BenchResults | null): BenchResults {
  const measured = results.digests_per_sec_1m !== null && results.digests_per_sec_1m !== undefined;
  if (measured) return { ...results, large_measured_at: results.measured_at };
  if (!previous || previous.digests_per_sec_1m === null || previous.digests_per_sec_1m === undefined) return results;
  const runs = results.runs as Record<string, unknown>;
  const previousRuns = previous.runs as Record<string, unknown> | undefined;
  return {
    ...results,
    ...Object.fromEntries(LARGE_FIGURES.map((name) => [name, previous[name] ?? null])),
    large_measured_at: typeof previous.large_measured_at === 'string' ? previous.large_measured_at : previous.measured_at,
    runs: { ...runs, huge: previousRuns?.huge ?? null },
    targets: { ...results.targets, ...Object.fromEntries(LARGE_TARGETS.flatMap((name) => (previous.targets[name] ? [[name, previous.targets[name]]] : []))) },
  };
}

/** The markdown block: when and where the run was, every top-level figure, and every target. */
export function figuresBlock(results: BenchResults): string {
  const figures = Object.entries(results).filter(([, value]) => typeof value === 'number' || value === null);
  const lines = [
    START,
    `Measured ${results.measured_at.slice(0, 10)} on ${results.machine.cores} cores (${results.machine.cpu ?? 'unknown CPU'}), Node ${results.machine.node}.` +
      (typeof results.subscribe_measured_at === 'string' && results.subscribe_measured_at > results.measured_at
        ? ` The subscribe figures (\`subscribe_rps\`, \`home_rps\`, \`bare_insert_rps\`, their p99s and CPU a request) are from a later \`npm run bench:subscribe\`, at ${results.subscribe_measured_at.slice(0, 16).replace('T', ' ')} UTC.`
        : '') +
      (typeof results.large_measured_at === 'string' && results.large_measured_at < results.measured_at
        ? ` The million-subscriber figures (\`${LARGE_FIGURES.join('`, `')}\` and their targets) are from an earlier \`BENCH_LARGE=1\` run, on ${results.large_measured_at.slice(0, 10)}.`
        : ''),
    '',
    '| Figure | Value |',
    '| --- | --- |',
    ...figures.map(([name, value]) => `| \`${name}\` | ${value === null ? 'n/a' : String(value)} |`),
    '',
    '| Target | Measured | State |',
    '| --- | --- | --- |',
    ...Object.entries(results.targets).map(([name, target]) => `| ${name} | ${target.value} | ${target.met ? 'met' : '**not met**'} |`),
    END,
  ];
  return lines.join('\n');
}

export function readResults(file = RESULTS_FILE): BenchResults {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResults;
}

/** bench/results.json as it stands, or null before the first run. */
export function previousResults(file = RESULTS_FILE): BenchResults | null {
  return fs.existsSync(file) ? readResults(file) : null;
}

/** The document with its figures block replaced by one made from these results. */
export function withFigures(doc: string, results: BenchResults): string {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${PERFORMANCE_DOC} has no figures markers`);
  return doc.slice(0, start) + figuresBlock(results) + doc.slice(end + END.length);
}

export function writeFigures(results: BenchResults = readResults()): void {
  fs.writeFileSync(PERFORMANCE_DOC, withFigures(fs.readFileSync(PERFORMANCE_DOC, 'utf8'), results));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) writeFigures();
