import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from '../config.js';
import { cronLogger, type Logger } from '../logger.js';
import { describeCounts, runIngest } from './ingest-run.js';
import type { PaperRepository } from './paper.repository.js';
import type { SeedLookupRepository } from './seed-lookup.repository.js';
import { resolveSeedPapers } from './seed-resolver.js';
import { findArxivPaperByTitle } from './sources/arxiv-title-search.js';
import { createHttpClient, type HttpClientOptions } from './sources/http-client.js';
import { createPacer, type PacerOptions } from './sources/pacer.js';
import { scheduledSources, type ScheduledSourceName, type SourceSettings } from './sources/registry.js';
import type { PaperFeed } from './sources/source.js';
import { ingestReport, type RunHistory } from '../runs/run-history.js';

/** A scheduled job is named after the source it reads. */
export type IngestJobName = ScheduledSourceName;

export interface IngestJobsOptions {
  config: SourceSettings & Pick<Config, 'sourceTimeoutMs'>;
  repo: PaperRepository;
  logger: Logger;
  /** Seed papers to look up on arXiv after each arXiv run; none: no lookups. */
  seedLookups?: SeedLookupRepository;
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

/**
 * Scheduled ingest: one job per source the registry schedules (Hugging Face
 * hourly by default, arXiv daily), each reading what its entry says a run
 * reads. A failed run is logged and the next one tries again; it never
 * throws out of the job.
 */
export function startIngestJobs({ config, repo, seedLookups, logger, history, clock = () => new Date(), http, pacer }: IngestJobsOptions): IngestJobs {
  const controller = new AbortController();
  const client = createHttpClient({
    ...http,
    timeoutMs: config.sourceTimeoutMs,
    signal: controller.signal,
    onRetry: ({ url, attempt, attempts, delayMs, reason }) =>
      logger.warn({ url, attempt, attempts, delayMs, reason }, 'paper source request failed; retrying'),
  });
  // One pacer per source for every call this process makes, across runs.
  const sources = scheduledSources();
  const pacers = new Map(sources.map((source) => [source.name, createPacer(source.spacingMs, pacer)]));

  async function ingest(job: IngestJobName, feed: PaperFeed, fields: object): Promise<void> {
    const started = Date.now();
    const read = () => runIngest(repo, feed.pages, { now: clock, signal: controller.signal });
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

  /** After an arXiv run, while arXiv is known to answer: see seed-resolver.ts. */
  async function resolveSeeds(lookups: SeedLookupRepository): Promise<void> {
    const search = { baseUrl: config.arxivBaseUrl, http: client, pacer: pacers.get('arxiv')! };
    const result = await resolveSeedPapers({
      papers: repo,
      lookups,
      search: (title) => findArxivPaperByTitle(title, search),
      now: clock,
      signal: controller.signal,
    });
    if (result.resolved + result.notFound === 0 && !result.failure) return;
    const summary = { job: 'arxiv', resolved: result.resolved, notFound: result.notFound };
    if (result.failure && !controller.signal.aborted) {
      logger.warn({ ...summary, err: result.failure.message }, 'seed papers: arXiv title search failed; the next arXiv run tries again');
    } else {
      logger.info(summary, `seed papers: ${result.resolved} found on arXiv, ${result.notFound} not there`);
    }
  }

  const jobs = new Map(
    sources.map((source) => [
      source.name,
      async () => {
        const reads = source.schedule.reads({ settings: config, http: client, pacer: pacers.get(source.name)!, now: clock() });
        // Feeds are lazy: nothing is fetched until a read's turn comes.
        for (const { feed, fields } of reads) {
          if (controller.signal.aborted) return;
          await ingest(source.name, feed, fields);
        }
        if (source.name === 'arxiv' && seedLookups && !controller.signal.aborted) await resolveSeeds(seedLookups);
      },
    ]),
  );

  const running = new Map<IngestJobName, Promise<void>>();

  function run(name: IngestJobName): Promise<void> {
    if (controller.signal.aborted) return Promise.resolve();
    if (running.has(name)) {
      logger.warn({ job: name }, `ingest ${name} is still running; this run is skipped`);
      return Promise.resolve();
    }
    const job = jobs.get(name);
    if (!job) return Promise.reject(new Error(`no scheduled ingest for the source "${name}"`));
    const current = job()
      .catch((err: unknown) => logger.error({ job: name, err: (err as Error).message }, `ingest ${name} failed`))
      .finally(() => running.delete(name));
    running.set(name, current);
    return current;
  }

  const tasks: ScheduledTask[] = [];
  for (const source of sources) {
    const { name } = source;
    const expression = source.schedule.expression(config);
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
