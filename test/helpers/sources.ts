import fs from 'node:fs';
import type { Db } from '../../src/db/connection.js';
import { runIngest } from '../../src/papers/ingest-run.js';
import { PaperRepository } from '../../src/papers/paper.repository.js';
import { createHttpClient, type HttpClientOptions, type RetryEvent } from '../../src/papers/sources/http-client.js';
import type { PaperFeed } from '../../src/papers/sources/source.js';
import { fixture, HF_SAMPLE_FILE } from '../kit/fixtures.js';

export { fixture, HF_SAMPLE_FILE };

export const HF_SAMPLE = fs.readFileSync(HF_SAMPLE_FILE, 'utf8');
/** A hand-written arXiv Atom response (see the comment at its top). */
export const ATOM_FILE = fixture('arxiv-query.atom.xml');
export const ATOM = fs.readFileSync(ATOM_FILE, 'utf8');

/** A fresh, editable copy of the real HF entries. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const hfEntries = (): any[] => JSON.parse(HF_SAMPLE);

/**
 * An HTTP client that retries as production does but never really waits:
 * every requested sleep is recorded and returns at once.
 */
export function quickHttp(options: Partial<HttpClientOptions> = {}) {
  const sleeps: number[] = [];
  const retries: RetryEvent[] = [];
  const http = createHttpClient({
    timeoutMs: 2_000,
    retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxTotalWaitMs: 10_000 },
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    onRetry: (event) => retries.push(event),
    ...options,
  });
  return { http, sleeps, retries };
}

/** Runs a feed into the store the way the CLI and the scheduler do. */
export function ingestFeed(db: Db, feed: PaperFeed, now = new Date('2024-10-26T00:00:00Z')) {
  return runIngest(new PaperRepository(db), feed.pages, { now: () => now });
}

/** Every stored row and the full-text index's content, to prove a failed run changed nothing. */
export function snapshot(db: Db): unknown {
  return {
    papers: db.prepare('SELECT * FROM papers ORDER BY seq').all(),
    index: db.prepare('SELECT rowid, * FROM papers_fts ORDER BY rowid').all(),
  };
}
