import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from '../config.js';
import { cronLogger } from '../logger.js';
import { describeCounts, runIngest } from './ingest-run.js';
import type { PaperRepository } from './paper.repository.js';
import { ARXIV_LOOKBACK_MS, ARXIV_SPACING_MS, arxivFeed } from './sources/arxiv.source.js';
import { createHttpClient, type HttpClientOptions } from './sources/fetch-retry.js';
import { hfDailyFeed } from './sources/hf-daily.source.js';
import { createPacer, type PacerOptions } from './sources/pacer.js';
import type { PaperFeed } from './sources/source.js';
import { ingestReport, type RunHistory } from '../runs/run-history.js';

/** The part of a pino logger the jobs use: fields first, then the message. */
export interface JobLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export type IngestJobName = 'hf' | 'arxiv';

export interface IngestJobsOptions {
  config: Pick<Config, 'hfBaseUrl' | 'arxivBaseUrl' | 'arxivCategories' | 'ingestSchedule' | 'sourceTimeoutMs'>;
  repo: PaperRepository;
  logger: JobLogger;
  /** Where each run is recorded; none in tests that do not look. */
  history?: RunHistory;
  /** Test seams: the time, and the HTTP and sleeping underneath. */
  clock?: () => Date;
  http?: Pick<HttpClientOptions, 'fetch' | 'sleep' | 'random' | 'retry'>;
  pacer?: PacerOptions;
}

export interface IngestJobs {
  /** Runs a job now. If it is already running, logs that and returns without starting another. */
  run(name: IngestJobName): Promise<void>;
  /** Stops the schedule, aborts runs in flight (each page is atomic, so nothing half-stored remains) and waits for them. */
  stop(): Promise<void>;
}

/** At most this many rejections are logged one by one per run; the count says the rest. */
const MAX_LOGGED_REJECTIONS = 20;

const utcDay = (date: Date) => date.toISOString().slice(0, 10);

/**
 * Scheduled ingest: Hugging Face daily papers for today and yesterday (UTC),
 * hourly by default, so upvotes stay fresh while a day's list is still
 * growing; arXiv once a day. A failed run is logged and the next one tries
 * again; it never throws out of the job.
 */
export function startIngestJobs({ config, repo, logger, history, clock = () => new Date(), http, pacer }: IngestJobsOptions): IngestJobs {
  const controller = new AbortController();
  const client = createHttpClient({
    ...http,
    timeoutMs: config.sourceTimeoutMs,
    signal: controller.signal,
    onRetry: ({ url, attempt, attempts, delayMs, reason }) =>
      logger.warn({ url, attempt, attempts, delayMs, reason }, 'paper source request failed; retrying'),
  });
  // One pacer for every arXiv call this process makes, across runs.
  const arxivPacer = createPacer(ARXIV_SPACING_MS, pacer);

  async function ingest(job: IngestJobName, feed: PaperFeed, fields: object): Promise<void> {
    const started = Date.now();
    const read = () => runIngest(repo, feed.pages, { now: clock });
    const result = await (history ? history.record('ingest', feed.source, read, ingestReport) : read());
    for (const { id, reason } of result.rejected.slice(0, MAX_LOGGED_REJECTIONS)) {
      logger.warn({ job, source: feed.source, id, reason }, 'paper rejected');
    }
    const summary = {
      job,
      source: feed.source,
      ...fields,
      added: result.added,
      updated: result.updated,
      unchanged: result.unchanged,
      rejected: result.rejected.length,
      pages: result.pages,
      ms: Date.now() - started,
    };
    if (result.failure && controller.signal.aborted) {
      logger.info(summary, `ingest ${job} stopped for shutdown (${describeCounts(result)} before it)`);
    } else if (result.failure) {
      logger.error({ ...summary, err: result.failure.message }, `ingest ${job} failed (${describeCounts(result)} before it); the next run tries again`);
    } else {
      logger.info(summary, `ingest ${job}: ${describeCounts(result)}`);
    }
  }

  const jobs: Record<IngestJobName, () => Promise<void>> = {
    async hf() {
      const today = clock();
      const yesterday = new Date(today.getTime() - 24 * 60 * 60 * 1000);
      // Each day on its own: a failure on one never keeps the other from being read.
      for (const date of [utcDay(today), utcDay(yesterday)]) {
        if (controller.signal.aborted) return;
        await ingest('hf', hfDailyFeed({ baseUrl: config.hfBaseUrl, date, http: client }), { date });
      }
    },
    async arxiv() {
      const since = new Date(clock().getTime() - ARXIV_LOOKBACK_MS);
      const feed = arxivFeed({ baseUrl: config.arxivBaseUrl, categories: config.arxivCategories, http: client, pacer: arxivPacer, since });
      await ingest('arxiv', feed, { since: since.toISOString() });
    },
  };

  const running = new Map<IngestJobName, Promise<void>>();

  function run(name: IngestJobName): Promise<void> {
    if (controller.signal.aborted) return Promise.resolve();
    if (running.has(name)) {
      logger.warn({ job: name }, `ingest ${name} is still running; this run is skipped`);
      return Promise.resolve();
    }
    const current = jobs[name]()
      .catch((err: unknown) => logger.error({ job: name, err: (err as Error).message }, `ingest ${name} failed`))
      .finally(() => running.delete(name));
    running.set(name, current);
    return current;
  }

  const tasks: ScheduledTask[] = [];
  for (const name of ['hf', 'arxiv'] as const) {
    const expression = config.ingestSchedule[name];
    if (expression === null) continue;
    tasks.push(
      cron.schedule(expression, () => run(name), { name: `ingest-${name}`, timezone: 'UTC', noOverlap: true, logger: cronLogger(logger, name) }),
    );
  }

  return {
    run,
    async stop() {
      for (const task of tasks) await task.destroy();
      controller.abort();
      await Promise.all(running.values());
    },
  };
}
