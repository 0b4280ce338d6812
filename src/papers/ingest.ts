import { clip, httpUrl, normalizeText } from '../text.js';
import type { PaperInput } from './paper.js';
import type { PaperRepository, UpsertOutcome } from './paper.repository.js';

/** Limits that keep one bad record from bloating the store or every email it appears in. */
export const PAPER_LIMITS = { title: 500, abstract: 20_000, author: 200, authors: 500, keyword: 100, keywords: 50 } as const;

export interface Rejection {
  id: string;
  reason: string;
}

export interface IngestResult extends Record<UpsertOutcome, number> {
  rejected: Rejection[];
}

// C0/C1 controls other than tab and newline: they have no place in text and
// could end up in a mail header.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** One line of plain text: titles, names and keywords never hold line breaks. */
function line(text: string, max: number): string {
  return clip(normalizeText(text).replace(CONTROLS, ' ').replace(/\s+/g, ' ').trim(), max);
}

function paragraphs(text: string, max: number): string {
  return clip(normalizeText(text).replace(/\r\n?/g, '\n').replace(CONTROLS, ' ').trim(), max);
}

function isoTime(value: string | null): string | null {
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

function list(values: string[], each: number, max: number): string[] {
  return [...new Set(values.map((value) => line(value, each)).filter(Boolean))].slice(0, max);
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;

/**
 * Cleans a paper from any source into what the store accepts, or says why it
 * cannot be stored. Text is kept as text: markup is escaped where it is shown,
 * never rewritten here.
 */
export function cleanPaper(paper: PaperInput): PaperInput | Rejection {
  const id = paper.id.trim();
  if (!ID.test(id)) return { id: clip(id, 80), reason: 'the id is empty or holds characters an id never has' };
  const title = line(paper.title, PAPER_LIMITS.title);
  if (!title) return { id, reason: 'the title is empty' };
  const upvotes = paper.upvotes === null || !Number.isFinite(paper.upvotes) ? null : Math.max(0, Math.trunc(paper.upvotes));
  return {
    id,
    source: paper.source,
    title,
    abstract: paragraphs(paper.abstract, PAPER_LIMITS.abstract),
    authors: list(paper.authors, PAPER_LIMITS.author, PAPER_LIMITS.authors),
    keywords: list(paper.keywords, PAPER_LIMITS.keyword, PAPER_LIMITS.keywords),
    categories: list(paper.categories, PAPER_LIMITS.keyword, PAPER_LIMITS.keywords),
    publishedAt: isoTime(paper.publishedAt),
    upvotes,
    pageUrl: httpUrl(paper.pageUrl),
    pdfUrl: httpUrl(paper.pdfUrl),
    codeUrl: httpUrl(paper.codeUrl),
    projectUrl: httpUrl(paper.projectUrl),
    thumbnailUrl: httpUrl(paper.thumbnailUrl),
    aiSummary: paper.aiSummary === null ? null : paragraphs(paper.aiSummary, PAPER_LIMITS.abstract) || null,
    withdrawnAt: isoTime(paper.withdrawnAt),
  };
}

/**
 * Stores one batch (a source's page) in a single transaction, so a failure
 * part-way leaves the store exactly as it was.
 */
export function ingestPapers(repo: PaperRepository, papers: readonly PaperInput[], now: Date = new Date()): IngestResult {
  const rejected: Rejection[] = [];
  const clean: PaperInput[] = [];
  for (const paper of papers) {
    const result = cleanPaper(paper);
    if ('reason' in result) rejected.push(result);
    else clean.push(result);
  }
  return { ...repo.upsertMany(clean, now.toISOString()), rejected };
}
