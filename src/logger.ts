import type { BaseLogger } from 'pino';

/** The part of pino that services use; tests pass a recording fake. */
export type Logger = Pick<BaseLogger, 'info' | 'warn' | 'error' | 'debug'>;

/** A logger that drops everything, for callers that do not care. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };

/** node-cron's logger interface (plain messages), routed to ours with the job's name attached. */
export function cronLogger(
  logger: { [level in 'info' | 'warn' | 'error']: (fields: object, message: string) => void },
  job: string,
) {
  return {
    info: (message: string) => logger.info({ job }, message),
    warn: (message: string) => logger.warn({ job }, message),
    error: (message: string | Error) => logger.error({ job }, String(message)),
    debug: () => undefined,
  };
}
