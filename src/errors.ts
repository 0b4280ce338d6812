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

/** A system call that failed (a file, a folder, a pipe, a port): the machine, though nobody wrapped it as such. Its message names the code. */
function isSystemFault(err: unknown): boolean {
  const { code, syscall } = (err ?? {}) as { code?: unknown; syscall?: unknown };
  return err instanceof Error && typeof code === 'string' && typeof syscall === 'string';
}

/** What the server and the CLI exit with for an error an operator can fix; null for a fault of ours. */
export function operatorExitCode(err: unknown): 1 | 2 | null {
  if (err instanceof UserError) return 2;
  if (err instanceof EnvironmentError || isSystemFault(err)) return 1;
  return null;
}
