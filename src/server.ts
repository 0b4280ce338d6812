import { pino } from 'pino';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, requireRelayInProduction } from './config.js';
import { EnvironmentError, operatorExitCode } from './errors.js';
import { oneLine } from './text.js';
import { startDigestJob } from './digest/digest.scheduler.js';
import { installLastResort } from './last-resort.js';
import { startIngestJobs } from './papers/ingest.scheduler.js';
import { relayWarnings } from './mail/relay-warnings.js';
import { startPruneJob } from './retention/prune.scheduler.js';
import { createServices } from './services.js';
import { requestSerializer } from './web/request-log.js';
import { openStore } from './store.js';
import { startCheckpointer } from './db/checkpointer.js';
import { sqliteFault } from './db/connection.js';

/** How long in-flight requests get to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * How often the queue of form-triggered emails is looked at, besides right
 * after each request that queues one: emails waiting for a retry, or left by
 * a crash, go out within this much of being due.
 */
const NOTICE_POLL_MS = 10_000;

/** Runs the service: configuration, store, HTTP listener and signals. */
async function main(): Promise<void> {
  const config = loadConfig();
  requireRelayInProduction(config);

  const logger = pino({ level: config.logLevel, serializers: { req: requestSerializer } });
  const store = openStore(config.databasePath, { seedIfEmpty: true });
  logger.info({ database: config.databasePath, schemaVersion: store.migration.version, applied: store.migration.applied }, 'database ready');
  if (store.seeded) {
    logger.info({ added: store.seeded.added, rejected: store.seeded.rejected.length }, 'the store was empty: loaded the seed papers');
  }

  const checkpointer = startCheckpointer(store.db, {
    onError: (message) => logger.warn({ err: message }, 'a background WAL checkpoint failed; the next one tries again'),
  });
  const services = await createServices(store.db, config, { logger });
  if (services.secret.origin === 'generated') {
    logger.warn({ file: services.secret.file }, 'SECRET_KEY is not set: made a random key for signing links and kept it in the data folder');
  }
  for (const warning of relayWarnings(config)) logger.warn(warning);
  if (services.outbox) {
    logger.info({ outbox: `${config.publicUrl}/dev/outbox` }, 'SMTP_URL is not set: emails go to the outbox');
  }

  const ingestJobs = startIngestJobs({
    config,
    repo: services.papers,
    seedLookups: services.seedLookups,
    history: services.history,
    logger: logger.child({ component: 'ingest' }),
  });
  logger.info({ hf: config.ingestSchedule.hf ?? 'off', arxiv: config.ingestSchedule.arxiv ?? 'off' }, 'ingest schedule (UTC)');

  const digestJob = startDigestJob({ schedule: config.digestSchedule, digests: services.digests, logger: logger.child({ component: 'digest' }) });
  logger.info({ schedule: config.digestSchedule ?? 'off' }, 'digest schedule (UTC); each subscriber gets theirs at their own local hour');

  services.notices.start(NOTICE_POLL_MS);
  logger.info({ everyMs: NOTICE_POLL_MS }, 'email queue started: confirmations and notes the form causes are retried until sent');
  const pruneJob = startPruneJob({ schedule: config.pruneSchedule, prune: services.prune, logger: logger.child({ component: 'prune' }) });

  const app = buildApp({ services, logger });
  // Two phases: the listener stops taking requests, the ingest jobs stop (a
  // run in flight is aborted; its current page is not stored) and the digest
  // run stops claiming; then emails still in flight finish before the SMTP
  // pool and the database close.
  app.addHook('onClose', async () => {
    await Promise.all([ingestJobs.stop(), digestJob.stop(), pruneJob.stop()]);
    await services.close();
    await checkpointer.stop();
    store.db.close();
  });

  let closing = false;
  const shutdown = (signal: NodeJS.Signals | 'uncaughtException', exitCode = 0) => {
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
        process.exit(exitCode);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  // Wrapped: a signal listener's second argument is the signal's number, not an exit code.
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  installLastResort(process, logger, () => shutdown('uncaughtException', 1));

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw explainListenError(err, config.host, config.port);
  }
  logger.info({ publicUrl: config.publicUrl }, 'paperboy is ready');
}

/** The listener's failures an operator can fix, as one line; others pass through. */
function explainListenError(err: unknown, host: string, port: number): unknown {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new EnvironmentError(`port ${port} on ${host} is in use by another program: stop it, or set PORT to a free port`);
    case 'EACCES':
      return new EnvironmentError(`not allowed to listen on port ${port}: ports below 1024 need privileges; set PORT to 1024 or above`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConfigError(`HOST ${host} is not an address of this machine: set HOST to 127.0.0.1, 0.0.0.0 or one of its addresses`);
    default:
      return err;
  }
}

/** One line for what an operator can fix (2: a setting or input, 1: the machine); a stack for anything else. */
main().catch((thrown: unknown) => {
  const err = sqliteFault(thrown) ?? thrown;
  const code = operatorExitCode(err);
  if (code === null) {
    console.error('paperboy: failed to start:', err);
    process.exit(1);
  }
  const message = (err as Error).message;
  if (err instanceof ConfigError) for (const line of message.split('\n')) console.error(`paperboy: invalid setting: ${oneLine(line)}`);
  else console.error(`paperboy: ${oneLine(message)}`);
  process.exit(code);
});
