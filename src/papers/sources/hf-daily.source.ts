import { z } from 'zod';
import type { Rejection } from '../ingest.js';
import { emptyPaper, type PaperInput } from '../paper.js';
import { type HttpClient, ResponseError } from './http-client.js';
import { type PaperFeed, pagesInHand, readSavedResponse, type SourcePage, withoutVersion } from './source.js';

/**
 * One entry of `GET /api/daily_papers`, written from a real response
 * (`test/kit/fixtures/hf-daily-papers-2024-10-25.json`). zod drops
 * fields it does not name, so new fields on Hugging Face's side never break
 * ingest; a missing required one rejects only its entry.
 */
const author = z.object({
  name: z.string(),
  hidden: z.boolean().optional(),
});

const entry = z.object({
  paper: z.object({
    id: z.string().min(1),
    authors: z.array(author),
    publishedAt: z.string(),
    upvotes: z.number().int().nonnegative(),
    summary: z.string().nullish(),
    ai_summary: z.string().nullish(),
    ai_keywords: z.array(z.string()).nullish(),
    githubRepo: z.string().nullish(),
    projectPage: z.string().nullish(),
    withdrawnAt: z.string().nullish(),
  }),
  // The top-level title is clean; `paper.title` is hard-wrapped like the PDF.
  title: z.string(),
  thumbnail: z.string().nullish(),
});

type Entry = z.infer<typeof entry>;

/** Entries per request; the API's default page. */
export const HF_PAGE_SIZE = 50;
/** A server that ignored `p` would serve page 0 forever; no real day has this many pages. */
export const HF_MAX_PAGES = 20;

function toPaper(e: Entry, baseUrl: string): PaperInput {
  const id = withoutVersion(e.paper.id);
  return {
    ...emptyPaper(id, 'hf', e.title),
    abstract: e.paper.summary ?? '',
    // Hidden authors asked not to be shown; a digest must not list them.
    authors: e.paper.authors.filter((a) => !a.hidden).map((a) => a.name),
    keywords: e.paper.ai_keywords ?? [],
    publishedAt: e.paper.publishedAt,
    upvotes: e.paper.upvotes,
    pageUrl: `${baseUrl}/papers/${encodeURIComponent(id)}`,
    pdfUrl: `https://arxiv.org/pdf/${id}`,
    codeUrl: e.paper.githubRepo ?? null,
    projectUrl: e.paper.projectPage ?? null,
    thumbnailUrl: e.thumbnail ?? null,
    aiSummary: e.paper.ai_summary ?? null,
    withdrawnAt: e.paper.withdrawnAt ?? null,
  };
}

function rawId(raw: unknown, index: number): string {
  const id = (raw as { paper?: { id?: unknown } } | null)?.paper?.id;
  return typeof id === 'string' && id.trim() ? id.trim().slice(0, 80) : `entry ${index + 1}`;
}

function reasonFor(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || 'the entry'}: ${issue.message}`)
    .join('; ');
}

/** Parses one response body: a JSON array of entries. A body that is not one is garbage, and retried. */
export function parseHfDailyPage(body: string, baseUrl: string): SourcePage & { ids: string[] } {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    const html = /^\s*</.test(body) ? ' (it looks like an HTML page)' : '';
    throw new ResponseError(`the response is not JSON${html}`);
  }
  if (!Array.isArray(data)) throw new ResponseError(`the response is not a list of papers (got ${data === null ? 'null' : typeof data})`);

  const page: SourcePage & { ids: string[] } = { papers: [], rejected: [], ids: [] };
  data.forEach((raw: unknown, index) => {
    const id = rawId(raw, index);
    page.ids.push(id);
    const parsed = entry.safeParse(raw);
    if (parsed.success) page.papers.push(toPaper(parsed.data, baseUrl));
    else page.rejected.push({ id, reason: reasonFor(parsed.error) } satisfies Rejection);
  });
  return page;
}

export interface HfDailyOptions {
  baseUrl: string;
  /** A UTC day, YYYY-MM-DD. */
  date: string;
  http: HttpClient;
  pageSize?: number;
  maxPages?: number;
}

/** `GET {baseUrl}/api/daily_papers?date=…`, page after page until an empty one. */
export function hfDailyFeed({ baseUrl, date, http, pageSize = HF_PAGE_SIZE, maxPages = HF_MAX_PAGES }: HfDailyOptions): PaperFeed {
  async function* pages(): AsyncGenerator<SourcePage> {
    const seen = new Set<string>();
    for (let p = 0; p < maxPages; p += 1) {
      const query = new URLSearchParams({ date, limit: String(pageSize), p: String(p) });
      const page = await http.get(`${baseUrl}/api/daily_papers?${query}`, (body) => parseHfDailyPage(body, baseUrl));
      if (page.ids.length === 0) return;
      const fresh = page.ids.filter((id) => !seen.has(id));
      if (fresh.length === 0) return;
      for (const id of page.ids) seen.add(id);
      yield { papers: page.papers, rejected: page.rejected };
    }
  }
  return { source: 'hf', total: null, pages: pages() };
}

/** A saved response, replayed as one page. */
export function hfFileFeed(file: string, baseUrl: string): PaperFeed {
  const { papers, rejected } = readSavedResponse(file, (body) => parseHfDailyPage(body, baseUrl));
  return pagesInHand('hf', [{ papers, rejected }]);
}
