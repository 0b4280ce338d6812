import type { BaseLogger } from 'pino';

/** The part of pino that services use; tests pass a recording fake. */
export type Logger = Pick<BaseLogger, 'info' | 'warn' | 'error' | 'debug'>;

/** A logger that drops everything, for callers that do not care. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };
