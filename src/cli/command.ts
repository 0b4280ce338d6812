import type { Config } from '../config.js';
import { UserError } from '../errors.js';

export interface CommandContext {
  config: Config;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** A CLI command: arguments in, exit code out. */
export type Command = ((args: string[], context: CommandContext) => Promise<number>) & {
  /** What `paperboy <command> --help` prints, when the command says more than its one-line usage. */
  help?: string;
};

/** Bad usage or bad input: the CLI prints the message as one line and exits with 2. */
export class UsageError extends UserError {
  override name = 'UsageError';
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** `--limit N`: digits only (not `1e1` or `0x10`, which Number would take), from 1 to `max`. */
export function parseLimit(value: string, max: number): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(`--limit must be a whole number from 1 to ${max} (got "${value}")`);
  }
  return Number(value);
}
