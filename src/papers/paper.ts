import type { PaperSourceName } from './sources/registry.js';

/**
 * Where a paper came from: a name in the source registry. A paper seen by
 * several sources keeps the one whose word counts most (see `merge`).
 */
export type PaperSource = PaperSourceName;

/**
 * A paper as a source hands it to ingest. `null` means "this source does not
 * know", so ingest keeps whatever another source said before.
 */
export interface PaperInput {
  /** arXiv id without its version (`2410.17243`), or a stable derived id for papers without one. */
  id: string;
  source: PaperSource;
  title: string;
  abstract: string;
  authors: string[];
  keywords: string[];
  categories: string[];
  /** ISO-8601 UTC. */
  publishedAt: string | null;
  upvotes: number | null;
  pageUrl: string | null;
  pdfUrl: string | null;
  codeUrl: string | null;
  projectUrl: string | null;
  thumbnailUrl: string | null;
  aiSummary: string | null;
  /** ISO-8601 UTC; a withdrawn paper is never matched again. */
  withdrawnAt: string | null;
}

/**
 * A paper that knows only its id, source and title: no text, no people, no
 * links, nothing a source did not say. Each source fills in what it knows.
 */
export function emptyPaper(id: string, source: PaperSource, title: string): PaperInput {
  return {
    id,
    source,
    title,
    abstract: '',
    authors: [],
    keywords: [],
    categories: [],
    publishedAt: null,
    upvotes: null,
    pageUrl: null,
    pdfUrl: null,
    codeUrl: null,
    projectUrl: null,
    thumbnailUrl: null,
    aiSummary: null,
    withdrawnAt: null,
  };
}

/** A stored paper. */
export interface Paper extends PaperInput {
  ingestedAt: string;
  updatedAt: string;
}

/**
 * When the paper came out, as far as anyone knows: a seed paper's date is the
 * day the saved page showed it, not its own, so it has none to show.
 */
export function publicationDate(paper: Pick<PaperInput, 'publishedAt' | 'source'>): string | null {
  return paper.source === 'seed' ? null : paper.publishedAt;
}
