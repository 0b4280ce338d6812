/**
 * What services and jobs log through: fields first, then the message, as
 * pino takes them, so a pino logger (or its child) is one as it is. Tests
 * pass a recording fake; `silentLogger` drops everything.
 */
export interface Logger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

/** A logger that drops everything, for callers that do not care. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };

/** node-cron's logger interface (plain messages), routed to ours with the job's name attached. */
export function cronLogger(logger: Logger, job: string) {
  return {
    info: (message: string) => logger.info({ job }, message),
    warn: (message: string) => logger.warn({ job }, message),
    error: (message: string | Error) => logger.error({ job }, String(message)),
    debug: () => undefined,
  };
}
