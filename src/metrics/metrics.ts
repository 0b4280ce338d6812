import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MailTransport } from '../mail/mail-transport.js';
import type { FinishedRun } from '../runs/run-history.js';
import type { StatsRepository } from '../stats/stats.repository.js';

export const DIGEST_OUTCOMES = ['sent', 'skipped', 'retried', 'failed', 'bounced'] as const;
export const SUBSCRIBE_OUTCOMES = ['accepted', 'invalid', 'rate_limited', 'error'] as const;
export type SubscribeOutcome = (typeof SUBSCRIBE_OUTCOMES)[number];

/**
 * The Prometheus metrics of one process. Counters count what this process
 * did since it started (a CLI run is in the run history, not here); gauges
 * read the database when scraped, so they are right whoever wrote it.
 * A registry per instance keeps two apps in one process (tests) apart.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly digests;
  private readonly emails;
  private readonly subscribes;
  private readonly ingestRuns;
  private readonly ingestPapers;
  private readonly runSeconds;
  private readonly requestSeconds;

  constructor(stats: StatsRepository) {
    const registers = [this.registry];
    this.digests = new Counter({ name: 'paperboy_digests_total', help: 'Digests by what became of them in a run.', labelNames: ['outcome'], registers });
    this.emails = new Counter({ name: 'paperboy_emails_sent_total', help: 'Emails handed to the relay or the outbox, by template.', labelNames: ['template'], registers });
    this.subscribes = new Counter({ name: 'paperboy_subscribe_requests_total', help: 'Subscribe form posts, by outcome.', labelNames: ['outcome'], registers });
    this.ingestRuns = new Counter({ name: 'paperboy_ingest_runs_total', help: 'Ingest runs by source and outcome.', labelNames: ['source', 'outcome'], registers });
    this.ingestPapers = new Counter({ name: 'paperboy_ingest_papers_total', help: 'Papers an ingest run stored or refused, by source and result.', labelNames: ['source', 'result'], registers });
    this.runSeconds = new Histogram({
      name: 'paperboy_run_duration_seconds',
      help: 'How long digest and ingest runs took.',
      labelNames: ['kind'],
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'paperboy_http_request_duration_seconds',
      help: 'HTTP requests by route and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    new Gauge({
      name: 'paperboy_subscribers',
      help: 'Subscribers by status.',
      labelNames: ['status'],
      registers,
      collect() {
        for (const [status, n] of Object.entries(stats.subscribersByStatus())) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'paperboy_ledger_pending',
      help: 'Digests planned and not yet ended (pending or being sent).',
      registers,
      collect() {
        this.set(stats.pendingDeliveries());
      },
    });
    // Every known series starts at zero, so a rate() over it works from the first scrape.
    for (const outcome of DIGEST_OUTCOMES) this.digests.inc({ outcome }, 0);
    for (const outcome of SUBSCRIBE_OUTCOMES) this.subscribes.inc({ outcome }, 0);
    for (const template of ['confirm', 'already-subscribed', 'digest']) this.emails.inc({ template }, 0);
  }

  observeRun = (run: FinishedRun): void => {
    this.runSeconds.observe({ kind: run.kind }, run.seconds);
    if (run.kind === 'digest') {
      for (const outcome of DIGEST_OUTCOMES) this.digests.inc({ outcome }, run.counts[outcome] ?? 0);
      return;
    }
    const source = run.source ?? 'unknown';
    this.ingestRuns.inc({ source, outcome: run.outcome });
    for (const result of ['added', 'updated', 'rejected']) this.ingestPapers.inc({ source, result }, run.counts[result] ?? 0);
  };

  countEmail(template: string): void {
    this.emails.inc({ template });
  }

  countSubscribe(outcome: SubscribeOutcome): void {
    this.subscribes.inc({ outcome });
  }

  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.requestSeconds.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  /** The Prometheus text exposition of every metric. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** The transport, counting each message it hands over by the template that made it. */
export function countingTransport(transport: MailTransport, metrics: Metrics): MailTransport {
  return {
    kind: transport.kind,
    async send(message) {
      const sent = await transport.send(message);
      metrics.countEmail(message.email.template ?? 'other');
      return sent;
    },
    close: () => transport.close(),
  };
}
