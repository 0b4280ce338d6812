/** Prints a command's usage when its arguments ask for help; true when they did. */
export function printHelp(args: readonly string[], usage: string, stdout: NodeJS.WritableStream): boolean {
  if (!args.includes('--help') && !args.includes('-h')) return false;
  stdout.write(`${usage}\n`);
  return true;
}
