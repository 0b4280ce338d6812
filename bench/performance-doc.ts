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

/** The markdown block: when and where the run was, every top-level figure, and every target. */
export function figuresBlock(results: BenchResults): string {
  const figures = Object.entries(results).filter(([, value]) => typeof value === 'number' || value === null);
  const lines = [
    START,
    `Measured ${results.measured_at.slice(0, 10)} on ${results.machine.cores} cores (${results.machine.cpu ?? 'unknown CPU'}), Node ${results.machine.node}.` +
      (typeof results.subscribe_measured_at === 'string' && results.subscribe_measured_at > results.measured_at
        ? ` The subscribe figures (\`subscribe_rps\`, \`home_rps\`, \`bare_insert_rps\` and their p99s) are from a later \`npm run bench:subscribe\`, at ${results.subscribe_measured_at.slice(0, 16).replace('T', ' ')} UTC.`
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
