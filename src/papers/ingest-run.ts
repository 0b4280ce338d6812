import { ingestPapers, type IngestResult } from './ingest.js';
import type { PaperRepository } from './paper.repository.js';
import type { SourcePage } from './sources/source.js';

export interface IngestRunResult extends IngestResult {
  /** Pages stored, each whole. */
  pages: number;
  /** Why the run stopped early; null when the source was read to its end. */
  failure: Error | null;
}

export interface IngestRunOptions {
  /** After each stored page, with how many entries it held: progress bars and logs. */
  onPage?: (entries: number, result: IngestRunResult) => void;
  now?: () => Date;
  /** Shutdown: once aborted, the search index is left unmerged (the next run merges it), so stopping never waits on a merge. */
  signal?: AbortSignal;
}

/**
 * Reads a source page by page and stores each page in its own transaction.
 *
 * What "a failed run leaves the store as it was" means here: a page is
 * stored whole or not at all, so a run that fails on its first page changes
 * nothing, and one that fails later keeps the pages before the failure,
 * each complete, and nothing of the failing one. Those earlier pages are
 * true, whole records, and re-running is idempotent (a paper is merged, never
 * duplicated), so throwing them away would only delay fresh upvotes until
 * the next run.
 *
 * A failure is returned, not thrown, so the counts of what was stored
 * before it are still reported.
 */
export async function runIngest(
  repo: PaperRepository,
  pages: AsyncIterable<SourcePage>,
  { onPage, now = () => new Date(), signal }: IngestRunOptions = {},
): Promise<IngestRunResult> {
  const result: IngestRunResult = { added: 0, updated: 0, unchanged: 0, rejected: [], pages: 0, failure: null };
  try {
    for await (const page of pages) {
      const stored = ingestPapers(repo, page.papers, now());
      result.added += stored.added;
      result.updated += stored.updated;
      result.unchanged += stored.unchanged;
      result.rejected.push(...page.rejected, ...stored.rejected);
      result.pages += 1;
      onPage?.(page.papers.length + page.rejected.length, result);
    }
  } catch (err) {
    result.failure = err instanceof Error ? err : new Error(String(err));
  }
  // A source that sent entries and not one usable paper has most likely changed its format: a failed run, not a quiet one.
  const kept = result.added + result.updated + result.unchanged;
  if (!result.failure && kept === 0 && result.rejected.length > 0) {
    const [first] = result.rejected;
    result.failure = new Error(
      `${result.rejected.length === 1 ? 'the one entry' : `every one of the ${result.rejected.length} entries`} it sent was rejected ` +
        `(the first: ${first!.reason}); has the source changed its format?`,
    );
  }
  // Even after a failure: the pages stored before it added segments too.
  if (result.pages > 0) await mergeSearchIndex(repo, result, signal);
  return result;
}

/**
 * Merges the segments the run's pages added to the full-text indexes, a
 * bounded step at a time, giving the event loop back between steps: in the
 * server, requests keep being answered while a large index is merged. A
 * failed merge loses nothing (the segments stay as they were, and the next
 * run merges them), so it is reported, not thrown.
 */
async function mergeSearchIndex(repo: PaperRepository, result: IngestRunResult, signal: AbortSignal | undefined): Promise<void> {
  try {
    while (!signal?.aborted && repo.mergeSearchIndexStep()) await new Promise((resolve) => setImmediate(resolve));
  } catch (err) {
    result.failure ??= new Error(`the papers are stored, but their search index could not be merged: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** "4 added, 0 updated, 0 unchanged, 0 rejected": the CLI's last line and the log's summary. */
export function describeCounts(result: IngestResult): string {
  return `${result.added} added, ${result.updated} updated, ${result.unchanged} unchanged, ${result.rejected.length} rejected`;
}
