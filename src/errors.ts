/**
 * An error a person caused and can fix: bad input, an unknown id, a bad
 * setting, a bad command line. Its message is shown to them as it is, so it
 * must say what to change. Over HTTP it becomes `statusCode`; the CLI and the
 * server print it as one line and exit with 2. Anything else that is thrown
 * is a fault of ours: logged in full and shown as a bare 500.
 */
export class UserError extends Error {
  override name = 'UserError';

  constructor(
    message: string,
    readonly statusCode: number = 400,
    /** The input field at fault, when there is one. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * The machine, not the input: a file or folder that cannot be written, a
 * damaged database, a port another program holds, a broken install. The
 * operator fixes it outside paperboy; the process prints the message as one
 * line and exits with 1. Never thrown while serving a request.
 */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

/** SQLite's codes for a database another process holds, or a file it cannot open, read or write. */
const SQLITE_MACHINE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|READONLY|FULL|IOERR|PERM|AUTH|NOTADB|CORRUPT)/;

/** A system call that failed (a file, a folder, a pipe) or SQLite's like: the machine, though nobody wrapped it as such. */
function isMachineFault(err: unknown): err is Error & { code: string } {
  if (!(err instanceof Error)) return false;
  const { code, syscall } = err as { code?: unknown; syscall?: unknown };
  return typeof code === 'string' && (typeof syscall === 'string' || SQLITE_MACHINE.test(code));
}

/** What the server and the CLI exit with for an error an operator can fix; null for a fault of ours. */
export function operatorExitCode(err: unknown): 1 | 2 | null {
  if (err instanceof UserError) return 2;
  if (err instanceof EnvironmentError || isMachineFault(err)) return 1;
  return null;
}

/** The message an operator is shown for an error `operatorExitCode` knows, with the code when the message lacks it. */
export function operatorMessage(err: Error): string {
  if (!isMachineFault(err)) return err.message;
  if (/^SQLITE_(BUSY|LOCKED)/.test(err.code)) {
    return `the database is locked: another process held its write lock past the busy timeout (5 s); try again once it is done (${err.code})`;
  }
  return err.message.includes(err.code) ? err.message : `${err.message} (${err.code})`;
}
