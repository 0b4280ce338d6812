import type { PaperInput } from '../paper.js';
import { parseArxivFeed } from './arxiv.source.js';
import type { HttpClient } from './http-client.js';
import type { Pacer } from './pacer.js';

export interface ArxivTitleSearch {
  baseUrl: string;
  http: HttpClient;
  /** The process's arXiv pacer: a title search counts against the same 3 s spacing as any other call. */
  pacer: Pacer;
}

/** Lower-case letters and digits only: how two spellings of one title ("Test-Time" and "Test-time") compare. */
const words = (title: string) => title.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/**
 * arXiv's query for a phrase in the title: `ti:"a b c"`. Only letters and
 * digits go in, so quotes, colons and brackets in a title never become query
 * syntax; arXiv splits words on punctuation the same way.
 */
export function titleQuery(title: string): string {
  return `ti:"${words(title).join(' ')}"`;
}

/** A few results is plenty: a title phrase rarely matches more than its own paper and a later version. */
const MAX_RESULTS = 5;

/**
 * The arXiv paper with exactly this title, or null when arXiv has none.
 * A result only counts when its whole title is the same words: a phrase
 * search also finds longer titles that contain it. Network failures throw
 * (a SourceError), so a caller can tell "not on arXiv" from "arXiv is not
 * reachable" and ask again later.
 */
export async function findArxivPaperByTitle(title: string, { baseUrl, http, pacer }: ArxivTitleSearch): Promise<PaperInput | null> {
  const wanted = words(title).join(' ');
  if (!wanted) return null;
  const query = new URLSearchParams({ search_query: titleQuery(title), start: '0', max_results: String(MAX_RESULTS) });
  const page = await http.get(`${baseUrl}/api/query?${query}`, parseArxivFeed, { beforeAttempt: pacer });
  return page.papers.find((paper) => words(paper.title).join(' ') === wanted) ?? null;
}
