import { ingestPapers } from './ingest.js';
import type { PaperRepository } from './paper.repository.js';
import type { SeedLookupRepository } from './seed-lookup.repository.js';
import type { PaperInput } from './paper.js';

export interface SeedResolution {
  /** Seed papers that took their arXiv id. */
  resolved: number;
  /** Seed papers arXiv has no paper for; never asked about again. */
  notFound: number;
  /** Why the step stopped early (arXiv unreachable); null when it went through its batch. */
  failure: Error | null;
}

export interface SeedResolverDeps {
  papers: PaperRepository;
  lookups: SeedLookupRepository;
  /** The arXiv paper with this title, null when there is none; throws when arXiv cannot be asked. */
  search: (title: string) => Promise<PaperInput | null>;
  now: () => Date;
  /** Stops between lookups: shutdown. */
  signal?: AbortSignal;
}

/**
 * At most this many lookups per run. At arXiv's one call every 3 s that is a
 * minute, so the 84 seed papers are resolved over a few daily arXiv runs and
 * no run is held up for long.
 */
export const SEED_LOOKUPS_PER_RUN = 20;

/**
 * Looks seed papers up on arXiv by title. A paper found there is renamed to
 * its arXiv id (its row, and so what was sent and matched, stays the same)
 * and merged with arXiv's record, which brings authors, a date, and the
 * abstract and PDF links. Runs as the last step of a scheduled arXiv ingest,
 * so only an install that reads arXiv asks arXiv anything, and a digest run
 * never waits for it. The first failure ends the step: arXiv is down or
 * unreachable, and the next run picks up where this one stopped.
 */
export async function resolveSeedPapers({ papers, lookups, search, now, signal }: SeedResolverDeps, limit = SEED_LOOKUPS_PER_RUN): Promise<SeedResolution> {
  const result: SeedResolution = { resolved: 0, notFound: 0, failure: null };
  for (const seed of lookups.pending(limit)) {
    if (signal?.aborted) break;
    let found: PaperInput | null;
    try {
      found = await search(seed.title);
    } catch (err) {
      result.failure = err instanceof Error ? err : new Error(String(err));
      break;
    }
    const at = now();
    if (!found) {
      lookups.record(seed.id, null, at.toISOString());
      result.notFound += 1;
      continue;
    }
    const arxivPaper = found;
    // One transaction: the rename, arXiv's fields and the lookup land together or not at all.
    papers.atomically(() => {
      papers.rename(seed.id, arxivPaper.id);
      ingestPapers(papers, [arxivPaper], at);
      lookups.record(seed.id, arxivPaper.id, at.toISOString());
    });
    result.resolved += 1;
  }
  return result;
}
