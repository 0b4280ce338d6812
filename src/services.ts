import path from 'node:path';
import type { Config } from './config.js';
import type { Db } from './db/connection.js';
import { BounceService } from './bounces/bounce.service.js';
import { MailReportRepository } from './bounces/mail-report.repository.js';
import { AMAZON_SNS, SnsVerifier, type SnsTrust } from './bounces/sns-verifier.js';
import { DeliveryRepository } from './digest/delivery.repository.js';
import { DigestFeed } from './digest/digest-feed.js';
import { FeedRepository } from './digest/feed.repository.js';
import { DigestComposer } from './digest/digest-composer.js';
import { DigestPlanner } from './digest/digest-planner.js';
import { DigestSender } from './digest/digest-sender.js';
import { DigestService } from './digest/digest.service.js';
import { digestMessageIds } from './digest/message-id.js';
import { ledgerDueClock } from './digest/due-time.js';
import { runnerName } from './db/claims.js';
import { SeedLookupRepository } from './papers/seed-lookup.repository.js';
import { silentLogger, type Logger } from './logger.js';
import { EmailRenderer } from './mail/email-templates.js';
import { outboxTransport, smtpTransport, type MailTransport } from './mail/mail-transport.js';
import { Mailer } from './mail/mailer.js';
import { Outbox } from './mail/outbox.js';
import { ReturnPaths } from './mail/return-path.js';
import { quotaTransport, SendQuota } from './mail/send-quota.js';
import { PaperRepository } from './papers/paper.repository.js';
import { PaperVectorRepository } from './papers/paper-vector.repository.js';
import { FeedbackRepository } from './feedback/feedback.repository.js';
import { FeedbackService } from './feedback/feedback.service.js';
import { ReaderFeedback } from './feedback/reader-feedback.js';
import { MatchPreview } from './ranking/match-preview.js';
import { PaperSearch } from './ranking/paper-search.js';
import { resolveSecretKey } from './subscriptions/secret-key.js';
import { GroupCommit } from './db/group-commit.js';
import { NoticeQueue } from './subscriptions/notice-queue.js';
import { NoticeSender } from './subscriptions/notice-sender.js';
import { NoticeRepository } from './subscriptions/notice.repository.js';
import { SubscriberLinks } from './subscriptions/subscriber-links.js';
import { SubscriberRepository } from './subscriptions/subscriber.repository.js';
import { SubscriptionService } from './subscriptions/subscription.service.js';
import { TokenSigner } from './subscriptions/tokens.js';
import { rekeyTopics } from './subscriptions/topic-rekey.js';
import { TopicMatcher } from './topics/topic-matcher.js';
import { AdminRepository } from './admin/admin.repository.js';
import { AdminService } from './admin/admin.service.js';
import { AdminPassword } from './admin/password.js';
import { countingTransport, Metrics } from './metrics/metrics.js';
import { RunHistory } from './runs/run-history.js';
import { PruneService } from './retention/prune.service.js';
import { DataExport } from './retention/data-export.js';
import { StatsRepository } from './stats/stats.repository.js';
import { RunRepository, type RunTrigger } from './runs/run.repository.js';

/** Papers, matching and ranking: all the read side needs, with no mail and no secrets. */
export function createPaperServices(db: Db) {
  const papers = new PaperRepository(db);
  const matcher = new TopicMatcher(db);
  const search = new PaperSearch(matcher, papers);
  const preview = new MatchPreview(matcher, search);
  const seedLookups = new SeedLookupRepository(db);
  return { db, papers, matcher, search, preview, seedLookups };
}

export interface ServiceOptions {
  logger?: Logger;
  /** Replaces the transport `SMTP_URL` chooses; for tests that need a fault no real server makes. */
  transport?: MailTransport;
  clock?: () => Date;
  /** How this process signs its ledger claims; tests give two runners in one process different names. */
  runnerName?: string;
  /** Which SNS certificates and links to trust; only tests, which sign with their own certificate, change it. */
  snsTrust?: SnsTrust;
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
  const relay =
    options.transport ??
    (config.smtpUrl
      ? smtpTransport(config.smtpUrl, config.dkim, { maxConnections: config.smtpPoolSize })
      : outboxTransport(outbox!, config.dkim));
  const limits = { perSecond: config.smtpRateLimit, perDay: config.smtpDailyQuota };
  const stats = new StatsRepository(db);
  const metrics = new Metrics(stats);
  const transport = countingTransport(
    limits.perSecond > 0 || limits.perDay > 0 ? quotaTransport(relay, new SendQuota(db, limits)) : relay,
    metrics,
  );
  const mailer = new Mailer(transport, config.mailFrom);
  const emails = await EmailRenderer.load();
  const deliveries = new DeliveryRepository(db);
  const subscribers = new SubscriberRepository(db, ledgerDueClock(deliveries));
  // Before any digest run matches by stored key: keys follow the grammar of this version.
  rekeyTopics(db);
  const owner = options.runnerName ?? runnerName();
  const notices = new NoticeRepository(db);
  // One group commit for the form's writes and the queue that sends the emails they cause.
  const writes = new GroupCommit(db);
  const noticeSender = new NoticeSender({ notices, subscribers, links, emails, mailer, logger, writes, owner, clock: options.clock });
  const noticeQueue = new NoticeQueue(noticeSender, logger);
  const subscriptions = new SubscriptionService({ repo: subscribers, tokens, notices, writes, queue: noticeQueue, logger, clock: options.clock });

  const runs = new RunRepository(db);
  const history = new RunHistory(runs, options.trigger ?? 'schedule', options.clock);
  history.onFinish(metrics.observeRun);
  const returnPaths = config.bounceDomain ? new ReturnPaths(secret.key, config.bounceDomain) : null;
  const bulk = {
    postalAddress: config.postalAddress,
    unsubscribeMailbox: config.unsubscribeMailbox,
    returnPath: returnPaths ? (deliveryId: number) => returnPaths.forDelivery(deliveryId) : null,
  };
  const composer = new DigestComposer({ papers: paperServices.papers, matcher: paperServices.matcher, emails, links, publicUrl: config.publicUrl, bulk });
  const feedbackRepo = new FeedbackRepository(db);
  const vectors = new PaperVectorRepository(db);
  const feedback = new FeedbackService({ feedback: feedbackRepo, papers: paperServices.papers, vectors, logger, clock: options.clock });
  const planner = new DigestPlanner({
    feedback: new ReaderFeedback(feedbackRepo, vectors, paperServices.papers),
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

  const mailReports = new MailReportRepository(db);
  const bounces = new BounceService({ reports: mailReports, subscribers, returnPaths, logger });
  const snsVerifier = new SnsVerifier(options.snsTrust ?? AMAZON_SNS);
  const admin = config.adminPassword
    ? new AdminService({
        password: new AdminPassword(config.adminPassword),
        repo: new AdminRepository(db),
        stats,
        runs,
        subscribers,
        subscriptions,
        deliveries,
        secretKey: secret.key,
        clock: options.clock,
      })
    : null;

  return {
    ...paperServices,
    config,
    /** What pages take as "now", so what they say matches what the scheduler will do. */
    clock: options.clock ?? (() => new Date()),
    secret,
    tokens,
    links,
    outbox,
    mailer,
    emails,
    subscribers,
    subscriptions,
    feedback,
    notices: noticeQueue,
    /** The group commit the subscribe form's writes and the email queue's claims and outcomes share. */
    writes,
    deliveries,
    composer,
    digests,
    feeds: new DigestFeed({ feeds: new FeedRepository(db), papers: paperServices.papers, links, publicUrl: config.publicUrl }),
    returnPaths,
    mailReports,
    bounces,
    snsVerifier,
    runs,
    history,
    stats,
    metrics,
    dataExport: new DataExport({ deliveries, feedback, papers: paperServices.papers }),
    prune: new PruneService({ deliveries, notices, runs, outbox, retentionDays: config.retentionDays }),
    /** The admin console; null when ADMIN_PASSWORD is not set. */
    admin,
    /**
     * Stops claiming and lets emails in flight finish, then closes the SMTP
     * pool. Queued emails not yet claimed stay queued for the next start.
     * The caller closes the database.
     */
    async close(): Promise<void> {
      await Promise.all([digests.stop(), noticeQueue.stop()]);
      await mailer.close();
    },
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
