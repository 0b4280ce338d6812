import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';

/**
 * The process's last line of defence, installed by the server.
 *
 * A promise rejection nobody handled (a background write hitting
 * SQLITE_BUSY or SQLITE_FULL, say) already unwound into a promise, so
 * nothing was left half done on the stack, and whatever it was about is kept
 * in the database and retried from there: it is logged and the server keeps
 * serving, rather than drop every request in flight.
 *
 * A synchronous throw that reached the event loop is different: it stopped
 * some callback half way (a socket's, a pool's, a timer's), and the state it
 * left in memory cannot be trusted, so serving on would risk wrong answers.
 * It is logged and `stop` runs: the requests in flight finish and the
 * process exits non-zero for its supervisor to restart it. Promised emails
 * are in the database queue and go out after the restart.
 */
export function installLastResort(proc: EventEmitter, logger: Pick<Logger, 'error' | 'fatal'>, stop: () => void): void {
  proc.on('unhandledRejection', (reason: unknown) => {
    logger.error({ err: reason }, 'a background task failed and nobody handled it; still serving');
  });
  proc.on('uncaughtException', (err: Error) => {
    logger.fatal({ err }, 'unexpected error; stopping so the supervisor restarts a clean process');
    stop();
  });
}
