import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createServices, type Services } from '../services.js';
import { openStore } from '../store.js';

/**
 * Warnings and errors from the services, as one line each on stderr (through
 * `note`, so a progress bar stays intact). Routine info stays quiet: the
 * command prints its own summary.
 */
export function cliLogger(note: (line: string) => void): Logger {
  const write = (level: string) => (fields: object, message: string) => {
    const detail = describe(fields as Record<string, unknown>);
    note(`${level}: ${message}${detail ? ` (${detail})` : ''}`);
  };
  return { info() {}, debug() {}, warn: write('warning'), error: write('error') };
}

function describe(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([key, value]) => `${key}: ${value instanceof Error ? value.message : typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(', ');
}

/** Opens the store and every service for a command, and closes both (letting sends finish) when it is done. */
export async function withServices<T>(
  config: Config,
  logger: Logger,
  work: (services: Services) => Promise<T>,
): Promise<T> {
  const { db } = openStore(config.databasePath, { seedIfEmpty: false });
  try {
    const services = await createServices(db, config, { logger, trigger: 'cli' });
    try {
      return await work(services);
    } finally {
      await services.close();
    }
  } finally {
    db.close();
  }
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * `--now`: an ISO-8601 time with its zone, so "08:00" can never be read in
 * the machine's own zone by mistake. A day that does not exist (30 February)
 * is refused rather than rolled over into March.
 */
export function parseNow(value: string | undefined, usage: (message: string) => Error): Date {
  if (value === undefined) return new Date();
  const parts = ISO_TIME.exec(value)?.slice(1).map((part) => Number(part ?? 0));
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = parts ?? [];
  const real =
    parts !== undefined &&
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= new Date(Date.UTC(year!, month!, 0)).getUTCDate() &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 59 &&
    offsetHours! <= 14 &&
    offsetMinutes! <= 59;
  if (!real) throw usage(`--now must be an ISO-8601 time with a zone, such as 2026-11-27T08:00:00Z (got "${value}")`);
  // Past 9998 a next due time would need a five-digit year, which ISO text sorts before every other.
  if (year! < 1970 || year! > 9998) throw usage(`--now must be a time from 1970 to 9998 (got "${value}")`);
  return new Date(value);
}
