import { ConfigError, loadConfig } from './config.js';
import { type Command, type CommandContext, EXIT, UsageError } from './cli/command.js';
import { UserError } from './errors.js';

const USAGE = `Usage: paperboy <command> [options]

Commands:
  migrate                                   apply database migrations
  ingest --source seed|hf|arxiv [--date YYYY-MM-DD] [--file F]
                                            store papers from a source
  match <topic>... [--json] [--limit N]     the ranked papers the topics match
  digest [--now ISO-8601] [--dry-run] [--json]
                                            one digest run, as if the time were --now
  preview --email E [--out F.html] [--now ISO-8601]
                                            the digest that subscriber would get now
  runs [--kind digest|ingest] [--limit N] [--json]
                                            the newest digest and ingest runs
  prune [--dry-run]                         delete ledger rows, runs and outbox files past RETENTION_DAYS
  backup --out F                            a consistent copy of the database, taken while it runs
  hash-password                             an ADMIN_PASSWORD hash of the password on stdin

Settings come from environment variables; see the README.`;

/** Each command is loaded when it runs, so a quick command never pays for another's imports (MJML, say). */
const COMMANDS: Record<string, () => Promise<Command>> = {
  migrate: async () => (await import('./cli/migrate.command.js')).migrateCommand,
  ingest: async () => (await import('./cli/ingest.command.js')).ingestCommand,
  match: async () => (await import('./cli/match.command.js')).matchCommand,
  digest: async () => (await import('./cli/digest.command.js')).digestCommand,
  preview: async () => (await import('./cli/preview.command.js')).previewCommand,
  runs: async () => (await import('./cli/runs.command.js')).runsCommand,
  prune: async () => (await import('./cli/prune.command.js')).pruneCommand,
  backup: async () => (await import('./cli/backup.command.js')).backupCommand,
  'hash-password': async () => (await import('./cli/hash-password.command.js')).hashPasswordCommand,
};

/** Runs one command and returns its exit code: 0 done, 1 failed, 2 bad usage or input. */
export async function runCli(argv: string[], io: Omit<CommandContext, 'config'>): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(`${USAGE}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  // hasOwn: "constructor" or "toString" must not find Object's own functions.
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    io.stderr.write(`paperboy: unknown command "${name}"\n${USAGE}\n`);
    return EXIT.usage;
  }
  try {
    const command = await load();
    return await command(args, { ...io, config: loadConfig() });
  } catch (err) {
    const oneLine = (message: string) => message.replace(/\s*\n\s*/g, '; ');
    if (err instanceof ConfigError) {
      io.stderr.write(`paperboy: invalid setting: ${oneLine(err.message)}\n`);
      return EXIT.usage;
    }
    // parseArgs throws TypeErrors with a code for unknown or malformed options.
    const code = (err as { code?: string }).code;
    if (err instanceof UsageError || err instanceof UserError || code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`paperboy ${name}: ${oneLine((err as Error).message)}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`paperboy ${name}: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.failed;
  }
}
