import type { Config } from '../../config.js';
import { ARXIV_LOOKBACK_MS, ARXIV_SPACING_MS, arxivFeed, arxivFileFeed } from './arxiv.source.js';
import { hfDailyFeed, hfFileFeed } from './hf-daily.source.js';
import type { HttpClient } from './http-client.js';
import type { Pacer } from './pacer.js';
import { seedFeed } from './seed.source.js';
import type { PaperFeed } from './source.js';

/** The settings sources read; each source picks its own. */
export type SourceSettings = Pick<Config, 'hfBaseUrl' | 'arxivBaseUrl' | 'arxivCategories' | 'ingestSchedule'>;

/** What a live read needs from whoever runs it: the CLI once, the scheduler for the life of the process. */
export interface SourceContext {
  settings: SourceSettings;
  http: HttpClient;
  /** This source's own pacer, spaced by its `spacingMs`, shared by every read in the process. */
  pacer: Pacer;
  now: Date;
}

/** One read of a scheduled run, with the fields its log line carries. */
export interface ScheduledRead {
  feed: PaperFeed;
  fields: Record<string, string>;
}

export interface SourceDefinition<Name extends string = string> {
  name: Name;
  /**
   * How much the source's word counts when two disagree about a paper: the
   * higher one updates what it knows, a lower one only fills gaps.
   */
  precedence: number;
  /** The least time between two calls, for a source that asks for it (0: none). */
  spacingMs: number;
  /** Why `--date` does not apply, for a source that has no days; absent when it does. */
  undated?: string;
  /** A saved response, replayed: `paperboy ingest --file`. */
  fromFile(file: string, settings: SourceSettings): PaperFeed;
  /** The live source for `paperboy ingest`: one UTC day (YYYY-MM-DD) when `date` is given. */
  read(context: SourceContext, date?: string): PaperFeed;
  /** Scheduled ingest: its cron expression (null when off) and what one run reads, in order. */
  schedule?: {
    expression(settings: SourceSettings): string | null;
    reads(context: SourceContext): ScheduledRead[];
  };
}

const utcDay = (date: Date) => date.toISOString().slice(0, 10);
const DAY_MS = 24 * 60 * 60 * 1000;

function readHf({ settings, http, now }: SourceContext, date?: string): PaperFeed {
  return hfDailyFeed({ baseUrl: settings.hfBaseUrl, date: date ?? utcDay(now), http });
}

function readArxiv({ settings, http, pacer, now }: SourceContext, date?: string): PaperFeed {
  return arxivFeed({
    baseUrl: settings.arxivBaseUrl,
    categories: settings.arxivCategories,
    http,
    pacer,
    ...(date ? { date } : { since: new Date(now.getTime() - ARXIV_LOOKBACK_MS) }),
  });
}

const seed = {
  name: 'seed',
  // A snapshot of a page, kept only until a live source knows better.
  precedence: 0,
  spacingMs: 0,
  undated: 'the seed page is a fixed snapshot',
  fromFile: (file) => seedFeed(file),
  read: () => seedFeed(),
} satisfies SourceDefinition<'seed'>;

const hf = {
  name: 'hf',
  // Its title is the clean one and its page carries the votes and discussion.
  precedence: 2,
  spacingMs: 0,
  fromFile: (file, settings) => hfFileFeed(file, settings.hfBaseUrl),
  read: readHf,
  schedule: {
    expression: (settings) => settings.ingestSchedule.hf,
    // Today and yesterday (UTC), each on its own, so upvotes stay fresh while
    // a day's list still grows, and a failure on one day never keeps the
    // other from being read.
    reads: (context) =>
      [utcDay(context.now), utcDay(new Date(context.now.getTime() - DAY_MS))].map((date) => ({ feed: readHf(context, date), fields: { date } })),
  },
} satisfies SourceDefinition<'hf'>;

const arxiv = {
  name: 'arxiv',
  // The record of the paper itself, but without votes or a clean title.
  precedence: 1,
  spacingMs: ARXIV_SPACING_MS,
  fromFile: (file) => arxivFileFeed(file),
  read: readArxiv,
  schedule: {
    expression: (settings) => settings.ingestSchedule.arxiv,
    reads: (context) => [
      { feed: readArxiv(context), fields: { since: new Date(context.now.getTime() - ARXIV_LOOKBACK_MS).toISOString() } },
    ],
  },
} satisfies SourceDefinition<'arxiv'>;

/**
 * Every paper source, in the order the CLI lists them. Adding one means an
 * entry here, its settings in config.ts, and a migration that widens the
 * CHECK on `papers.source` (a test compares it with these names).
 */
export const PAPER_SOURCES = [seed, hf, arxiv] as const;

type Entry = (typeof PAPER_SOURCES)[number];
export type PaperSourceEntry = Entry;
export type PaperSourceName = Entry['name'];
/** The sources the server reads on a schedule. */
export type ScheduledSourceName = Extract<Entry, { schedule: object }>['name'];

export const SOURCE_NAMES: readonly PaperSourceName[] = PAPER_SOURCES.map((source) => source.name);

export function findSource(name: string): Entry | undefined {
  return PAPER_SOURCES.find((source) => source.name === name);
}

export const scheduledSources = (): Array<Extract<Entry, { schedule: object }>> =>
  PAPER_SOURCES.filter((source): source is Extract<Entry, { schedule: object }> => 'schedule' in source);
