import { pino } from 'pino';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { startDigestJob } from './digest/digest.scheduler.js';
import { startIngestJobs } from './papers/ingest.scheduler.js';
import { startPruneJob } from './retention/prune.scheduler.js';
import { createServices } from './services.js';
import { requestSerializer } from './web/request-log.js';
import { openStore } from './store.js';

/** How long in-flight requests get to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Runs the service: configuration, store, HTTP listener and signals. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.message.split('\n')) console.error(`paperboy: invalid setting: ${line}`);
    process.exit(2);
  }

  const logger = pino({ level: config.logLevel, serializers: { req: requestSerializer } });
  const store = openStore(config.databasePath, { seedIfEmpty: true });
  logger.info({ database: config.databasePath, schemaVersion: store.migration.version, applied: store.migration.applied }, 'database ready');
  if (store.seeded) {
    logger.info({ added: store.seeded.added, rejected: store.seeded.rejected.length }, 'the store was empty: loaded the seed papers');
  }

  const services = await createServices(store.db, config, { logger });
  if (services.secret.origin === 'generated') {
    logger.warn({ file: services.secret.file }, 'SECRET_KEY is not set: made a random key for signing links and kept it in the data folder');
  }
  if (services.outbox) {
    logger.info({ outbox: `${config.publicUrl}/dev/outbox` }, 'SMTP_URL is not set: emails go to the outbox');
  }

  const ingestJobs = startIngestJobs({ config, repo: services.papers, history: services.history, logger: logger.child({ component: 'ingest' }) });
  logger.info({ hf: config.ingestSchedule.hf ?? 'off', arxiv: config.ingestSchedule.arxiv ?? 'off' }, 'ingest schedule (UTC)');

  const digestJob = startDigestJob({ schedule: config.digestSchedule, digests: services.digests, logger: logger.child({ component: 'digest' }) });
  logger.info({ schedule: config.digestSchedule ?? 'off' }, 'digest schedule (UTC); each subscriber gets theirs at their own local hour');

  const pruneJob = startPruneJob({ schedule: config.pruneSchedule, prune: services.prune, logger: logger.child({ component: 'prune' }) });

  const app = buildApp({ services, logger });
  // Two phases: the listener stops taking requests, the ingest jobs stop (a
  // run in flight is aborted; its current page is not stored) and the digest
  // run stops claiming; then emails still in flight finish before the SMTP
  // pool and the database close.
  app.addHook('onClose', async () => {
    await Promise.all([ingestJobs.stop(), digestJob.stop(), pruneJob.stop()]);
    await services.close();
    store.db.close();
  });

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    app.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  await app.listen({ port: config.port, host: config.host });
  logger.info({ publicUrl: config.publicUrl }, 'paperboy is ready');
}

main().catch((err: unknown) => {
  console.error('paperboy: failed to start:', err);
  process.exit(1);
});
