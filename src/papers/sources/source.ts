import fs from 'node:fs';
import { UserError } from '../../errors.js';
import type { Rejection } from '../ingest.js';
import type { PaperInput, PaperSource } from '../paper.js';

/** One page of a source, stored in one transaction. */
export interface SourcePage {
  papers: PaperInput[];
  /** Entries the source's schema refused, each with why; the rest of the page is still stored. */
  rejected: Rejection[];
}

/** What a source hands to the ingest runner: its pages, one at a time. */
export interface PaperFeed {
  source: PaperSource;
  /** How many entries the feed holds, when known up front (a file); null for the network. */
  total: number | null;
  pages: AsyncIterable<SourcePage>;
}

/** A feed of pages already in hand: a saved file, the seed papers. */
export function pagesInHand(source: PaperSource, pages: SourcePage[]): PaperFeed {
  return {
    source,
    total: pages.reduce((sum, page) => sum + page.papers.length + page.rejected.length, 0),
    pages: (async function* () {
      yield* pages;
    })(),
  };
}

/** `2410.17243v2` and `hep-th/9901001v1` name the same paper as without their version. */
export function withoutVersion(id: string): string {
  return id.trim().replace(/v\d+$/, '');
}

/**
 * Reads and parses a saved response. Whatever is wrong with it (missing,
 * not JSON, not a feed) is the operator's to fix, so it is a UserError
 * naming the file.
 */
export function readSavedResponse<T>(file: string, parse: (body: string) => T): T {
  let body: string;
  try {
    body = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return parse(body);
  } catch (err) {
    throw new UserError(`${file}: ${(err as Error).message}`);
  }
}
