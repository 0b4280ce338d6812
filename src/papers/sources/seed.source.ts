import fs from 'node:fs';
import { z } from 'zod';
import { UserError } from '../../errors.js';
import { SEED_FILE } from '../../paths.js';
import type { PaperInput } from '../paper.js';
import { seedPaperToInput } from './seed-page.js';
import { type PaperFeed, pagesInHand } from './source.js';

const seedFile = z.array(
  z.object({
    id: z.string().min(1),
    title: z.string().min(1),
    abstract: z.string(),
    codeUrl: z.string().nullable(),
    projectUrl: z.string().nullable(),
  }),
);

/** The seed papers, so a new install has real papers to match at once. A bad file is the operator's to fix. */
export function readSeedPapers(file: string = SEED_FILE): PaperInput[] {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`cannot read seed papers from ${file}: ${(err as Error).message}`);
  }
  const parsed = seedFile.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${file} is not a seed file: at ${issue?.path.join('.') || 'the top'}: ${issue?.message}`);
  }
  return parsed.data.map(seedPaperToInput);
}

/** Seed papers go in a batch at a time: each batch is one transaction and one step of the progress bar. */
const SEED_BATCH = 25;

export function seedFeed(file: string = SEED_FILE): PaperFeed {
  const papers = readSeedPapers(file);
  const batches = [];
  for (let i = 0; i < papers.length; i += SEED_BATCH) batches.push({ papers: papers.slice(i, i + SEED_BATCH), rejected: [] });
  return pagesInHand('seed', batches);
}
