import path from 'node:path';
import type { Config } from './config.js';
import type { Db } from './db/connection.js';
import { DeliveryRepository } from './digest/delivery.repository.js';
import { DigestComposer } from './digest/digest-composer.js';
import { DigestPlanner } from './digest/digest-planner.js';
import { DigestSender } from './digest/digest-sender.js';
import { DigestService } from './digest/digest.service.js';
import { digestMessageIds } from './digest/message-id.js';
import { runnerName } from './digest/runner.js';
import { silentLogger, type Logger } from './logger.js';
import { EmailRenderer } from './mail/email-templates.js';
import { outboxTransport, smtpTransport, type MailTransport } from './mail/mail-transport.js';
import { Mailer } from './mail/mailer.js';
import { Outbox } from './mail/outbox.js';
import { PaperRepository } from './papers/paper.repository.js';
import { PaperSearch } from './ranking/paper-search.js';
import { resolveSecretKey } from './subscriptions/secret-key.js';
import { SubscriberLinks } from './subscriptions/subscriber-links.js';
import { SubscriberRepository } from './subscriptions/subscriber.repository.js';
import { SubscriptionService } from './subscriptions/subscription.service.js';
import { TokenSigner } from './subscriptions/tokens.js';
import { TopicMatcher } from './topics/topic-matcher.js';
import { AdminRepository } from './admin/admin.repository.js';
import { AdminService } from './admin/admin.service.js';
import { AdminPassword } from './admin/password.js';
import { countingTransport, Metrics } from './metrics/metrics.js';
import { RunHistory } from './runs/run-history.js';
import { PruneService } from './retention/prune.service.js';
import { StatsRepository } from './stats/stats.repository.js';
import { RunRepository, type RunTrigger } from './runs/run.repository.js';

/** Papers, matching and ranking: all the read side needs, with no mail and no secrets. */
export function createPaperServices(db: Db) {
  const papers = new PaperRepository(db);
  const matcher = new TopicMatcher(db);
  const search = new PaperSearch(matcher, papers);
  return { db, papers, matcher, search };
}

export interface ServiceOptions {
  logger?: Logger;
  /** Replaces the transport `SMTP_URL` chooses; for tests that need a fault no real server makes. */
  transport?: MailTransport;
  clock?: () => Date;
  /** How this process signs its ledger claims; tests give two runners in one process different names. */
  runnerName?: string;
  /** How runs from this process are recorded in the run history: the service's jobs, or a CLI command. */
  trigger?: RunTrigger;
}

/**
 * The composition root: every service wired once, for the HTTP app and the
 * CLI alike. Async because email templates are compiled here, once.
 */
export async function createServices(db: Db, config: Config, options: ServiceOptions = {}) {
  const logger = options.logger ?? silentLogger;
  const paperServices = createPaperServices(db);
  const secret = resolveSecretKey(config.secretKey, config.dataDir);
  const tokens = new TokenSigner(secret.key);
  const links = new SubscriberLinks(config.publicUrl, tokens);
  const outbox = config.smtpUrl ? null : new Outbox(path.join(config.dataDir, 'outbox'));
  const stats = new StatsRepository(db);
  const metrics = new Metrics(stats);
  const transport = countingTransport(
    options.transport ??
      (config.smtpUrl
        ? smtpTransport(config.smtpUrl, config.dkim, { maxConnections: config.smtpPoolSize })
        : outboxTransport(outbox!, config.dkim)),
    metrics,
  );
  const mailer = new Mailer(transport, config.mailFrom);
  const emails = await EmailRenderer.load();
  const subscribers = new SubscriberRepository(db);
  const subscriptions = new SubscriptionService({ repo: subscribers, tokens, links, emails, mailer, logger, clock: options.clock });

  const runs = new RunRepository(db);
  const history = new RunHistory(runs, options.trigger ?? 'schedule', options.clock);
  history.onFinish(metrics.observeRun);
  const deliveries = new DeliveryRepository(db);
  const owner = options.runnerName ?? runnerName();
  const composer = new DigestComposer({ papers: paperServices.papers, matcher: paperServices.matcher, emails, links, publicUrl: config.publicUrl });
  const planner = new DigestPlanner({
    deliveries,
    maxPapers: config.digestMaxPapers,
    messageId: digestMessageIds(secret.key, mailer),
  });
  const sender = new DigestSender({ deliveries, subscribers, composer, mailer, logger, owner, concurrency: config.smtpPoolSize });
  const digests = new DigestService({
    subscribers,
    deliveries,
    papers: paperServices.papers,
    matcher: paperServices.matcher,
    planner,
    sender,
    composer,
    logger,
    owner,
    history,
  });

  const admin = config.adminPassword
    ? new AdminService({
        password: new AdminPassword(config.adminPassword),
        repo: new AdminRepository(db),
        stats,
        runs,
        subscribers,
        subscriptions,
        deliveries,
        clock: options.clock,
      })
    : null;

  return {
    ...paperServices,
    config,
    secret,
    tokens,
    links,
    outbox,
    mailer,
    emails,
    subscribers,
    subscriptions,
    deliveries,
    composer,
    digests,
    runs,
    history,
    stats,
    metrics,
    prune: new PruneService({ deliveries, runs, outbox, retentionDays: config.retentionDays }),
    /** The admin console; null when ADMIN_PASSWORD is not set. */
    admin,
    /** Lets emails in flight finish, then closes the SMTP pool. The caller closes the database. */
    async close(): Promise<void> {
      await digests.stop();
      await subscriptions.drain();
      await mailer.close();
    },
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
