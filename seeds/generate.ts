// Regenerates seeds/papers.json from the saved trending-papers page:
//   npx tsx seeds/generate.ts [input.txt] [output.json]
// Explicit paths are taken relative to the cwd, like any CLI argument; the
// defaults are anchored to the repository so the script works from anywhere.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSeedPage } from '../src/papers/sources/seed-page.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const input = path.resolve(process.argv[2] ?? path.join(repoRoot, 'seeds/trending-papers-page.txt'));
const output = path.resolve(process.argv[3] ?? path.join(repoRoot, 'seeds/papers.json'));

const papers = parseSeedPage(readFileSync(input, 'utf8'));
writeFileSync(output, `${JSON.stringify(papers, null, 2)}\n`);

const shown = path.relative(repoRoot, output);
console.log(`wrote ${papers.length} papers to ${shown.startsWith('..') || path.isAbsolute(shown) ? output : shown}`);
