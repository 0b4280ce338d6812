import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import { emptyPaper, type PaperInput } from '../paper.js';
import { type HttpClient, ResponseError } from './http-client.js';
import type { Pacer } from './pacer.js';
import { type PaperFeed, pagesInHand, readSavedResponse, type SourcePage, withoutVersion } from './source.js';

/** arXiv's API etiquette: no more than one call every 3 seconds… */
export const ARXIV_SPACING_MS = 3_000;
/** …and no more than 2,000 results in one call. */
export const ARXIV_MAX_PER_CALL = 2_000;
/** Results per call; smaller pages time out less often on arXiv's side. */
export const ARXIV_PAGE_SIZE = 500;
/** At most this many results per run: a few days of the default categories. */
export const ARXIV_MAX_RESULTS = 5_000;
/** Without a date, read back this far: a daily run then covers a missed day and late announcements. */
export const ARXIV_LOOKBACK_MS = 2 * 24 * 60 * 60 * 1000;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // `arxiv:primary_category` and `opensearch:totalResults` lose their prefix.
  removeNSPrefix: true,
  // Keep every value a string: a title like "2048" must not become a number.
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => ['entry', 'author', 'category', 'link'].includes(name),
});

/** An element with attributes and text parses to `{ '#text', '@_…' }`; only the text matters here. */
const text = z.preprocess(
  (value) => (typeof value === 'object' && value !== null && '#text' in value ? (value as { '#text': unknown })['#text'] : value),
  z.string(),
);

const entry = z.object({
  id: z.string().min(1),
  title: text,
  summary: text.optional(),
  published: z.string().optional(),
  author: z.array(z.object({ name: text })).default([]),
  category: z.array(z.object({ '@_term': z.string() })).default([]),
  primary_category: z.object({ '@_term': z.string() }).optional(),
  link: z
    .array(z.object({ '@_href': z.string(), '@_rel': z.string().optional(), '@_title': z.string().optional() }))
    .default([]),
});

type Entry = z.infer<typeof entry>;

const ABS_ID = /^https?:\/\/(?:export\.)?arxiv\.org\/abs\/(.+)$/;

/**
 * arXiv hands out http:// links to one version; the same pages are served
 * over https, and without the version they show the latest one, which is
 * what a digest should link to.
 */
const latest = (url: string | undefined) =>
  url ? url.replace(/^http:\/\/(export\.)?arxiv\.org\//, 'https://arxiv.org/').replace(/v\d+$/, '') : null;

function toPaper(e: Entry, id: string): PaperInput {
  const primary = e.primary_category?.['@_term'];
  const categories = e.category.map((c) => c['@_term']);
  return {
    ...emptyPaper(id, 'arxiv', e.title.replace(/\s+/g, ' ').trim()),
    abstract: e.summary?.trim() ?? '',
    authors: e.author.map((a) => a.name),
    // The primary category first; cross-lists after it.
    categories: primary ? [primary, ...categories.filter((c) => c !== primary)] : categories,
    publishedAt: e.published ?? null,
    pageUrl: latest(e.link.find((l) => l['@_rel'] === 'alternate')?.['@_href'] ?? e.id),
    pdfUrl: latest(e.link.find((l) => l['@_title'] === 'pdf')?.['@_href']),
  };
}

export interface ArxivPage extends SourcePage {
  /** `opensearch:totalResults`: how many results the query has in all. */
  totalResults: number | null;
  /** The earliest `published` on the page, for stopping once results are old enough. */
  oldest: string | null;
  entries: number;
}

/** Parses one Atom response. Anything that is not an Atom feed is garbage, and retried. */
export function parseArxivFeed(xml: string): ArxivPage {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const html = /^\s*<(!doctype html|html)/i.test(xml) ? ' (it looks like an HTML page)' : '';
    throw new ResponseError(`the response is not valid XML${html}: line ${valid.err.line}: ${valid.err.msg.replace(/\s+/g, ' ')}`);
  }
  const feed = (parser.parse(xml) as { feed?: unknown }).feed;
  if (typeof feed !== 'object' || feed === null) throw new ResponseError('the response is not an Atom feed');
  const { entry: entries = [], totalResults } = feed as { entry?: unknown[]; totalResults?: unknown };

  const page: ArxivPage = { papers: [], rejected: [], totalResults: null, oldest: null, entries: entries.length };
  const total = Number(typeof totalResults === 'object' && totalResults !== null ? (totalResults as { '#text': unknown })['#text'] : totalResults);
  if (Number.isInteger(total)) page.totalResults = total;

  entries.forEach((raw, index) => {
    const parsed = entry.safeParse(raw);
    const rawId = (raw as { id?: unknown })?.id;
    const label = typeof rawId === 'string' ? rawId.slice(0, 80) : `entry ${index + 1}`;
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      page.rejected.push({ id: label, reason: `${issue?.path.join('.') || 'the entry'}: ${issue?.message}` });
      return;
    }
    // A bad query comes back as a feed with one entry whose id is an error URL.
    if (parsed.data.id.includes('arxiv.org/api/errors')) {
      throw new ResponseError(`arXiv refused the query: ${parsed.data.summary?.trim() || parsed.data.title}`, false);
    }
    const abs = ABS_ID.exec(parsed.data.id.trim());
    if (!abs?.[1]) {
      page.rejected.push({ id: label, reason: 'id: not an arXiv abstract URL' });
      return;
    }
    const paper = toPaper(parsed.data, withoutVersion(abs[1]));
    page.papers.push(paper);
    if (paper.publishedAt && (page.oldest === null || paper.publishedAt < page.oldest)) page.oldest = paper.publishedAt;
  });
  return page;
}

export interface ArxivOptions {
  baseUrl: string;
  categories: readonly string[];
  http: HttpClient;
  /** Shared by every arXiv call in the process. */
  pacer: Pacer;
  /** Only papers submitted on this UTC day (YYYY-MM-DD). */
  date?: string;
  /** Stop paging once a page reaches papers published before this. */
  since?: Date;
  pageSize?: number;
  maxResults?: number;
}

function searchQuery(categories: readonly string[], date: string | undefined): string {
  const cats = categories.map((category) => `cat:${category}`).join(' OR ');
  if (!date) return categories.length > 1 ? `(${cats})` : cats;
  const day = date.replace(/-/g, '');
  return `(${cats}) AND submittedDate:[${day}0000 TO ${day}2359]`;
}

/** The newest submissions in the categories, page after page, sorted by submission date. */
export function arxivFeed(options: ArxivOptions): PaperFeed {
  const { baseUrl, categories, http, pacer, date, since } = options;
  const pageSize = Math.min(options.pageSize ?? ARXIV_PAGE_SIZE, ARXIV_MAX_PER_CALL);
  const maxResults = options.maxResults ?? ARXIV_MAX_RESULTS;

  async function* pages(): AsyncGenerator<SourcePage> {
    for (let start = 0; start < maxResults; start += pageSize) {
      const query = new URLSearchParams({
        search_query: searchQuery(categories, date),
        sortBy: 'submittedDate',
        sortOrder: 'descending',
        start: String(start),
        max_results: String(Math.min(pageSize, maxResults - start)),
      });
      const page = await http.get(`${baseUrl}/api/query?${query}`, parseArxivFeed, { beforeAttempt: pacer });
      // arXiv now and then answers a page with no entries part-way through a
      // query; the run ends there, and the next one reads those papers.
      if (page.entries === 0) return;
      yield { papers: page.papers, rejected: page.rejected };
      if (page.totalResults !== null && start + page.entries >= page.totalResults) return;
      if (since && page.oldest !== null && Date.parse(page.oldest) < since.getTime()) return;
    }
  }
  return { source: 'arxiv', total: null, pages: pages() };
}

/** A saved Atom response, replayed as one page. */
export function arxivFileFeed(file: string): PaperFeed {
  const { papers, rejected } = readSavedResponse(file, parseArxivFeed);
  return pagesInHand('arxiv', [{ papers, rejected }]);
}
