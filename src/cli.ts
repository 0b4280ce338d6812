import { ConfigError, loadConfig } from './config.js';
import { type Command, type CommandContext, EXIT } from './cli/command.js';
import { operatorExitCode } from './errors.js';
import { oneLine } from './text.js';

interface CommandEntry {
  /** The command's synopsis, as `paperboy <command> --help` prints it. */
  usage: string;
  summary: string;
  /** Loaded when the command runs, so a quick command never pays for another's imports (MJML, say). */
  load: () => Promise<Command>;
}

const COMMANDS: Record<string, CommandEntry> = {
  migrate: {
    usage: 'migrate',
    summary: 'apply database migrations',
    load: async () => (await import('./cli/migrate.command.js')).migrateCommand,
  },
  ingest: {
    usage: 'ingest --source seed|hf|arxiv [--date YYYY-MM-DD] [--file F]',
    summary: 'store papers from a source',
    load: async () => (await import('./cli/ingest.command.js')).ingestCommand,
  },
  match: {
    usage: 'match <topic>... [--json] [--limit N]',
    summary: 'the ranked papers the topics match',
    load: async () => (await import('./cli/match.command.js')).matchCommand,
  },
  digest: {
    usage: 'digest [--now ISO-8601] [--dry-run] [--json]',
    summary: 'one digest run, as if the time were --now',
    load: async () => (await import('./cli/digest.command.js')).digestCommand,
  },
  preview: {
    usage: 'preview --email E [--out F.html] [--now ISO-8601]',
    summary: 'the digest that subscriber would get now',
    load: async () => (await import('./cli/preview.command.js')).previewCommand,
  },
  bounces: {
    usage: 'bounces [--file MESSAGE.eml] | --list [--limit N] [--json]',
    summary: 'record a bounce or complaint report (stdin when no --file), or list the latest reports',
    load: async () => (await import('./cli/bounces.command.js')).bouncesCommand,
  },
  'mail-test': {
    usage: 'mail-test --to E',
    summary: 'send one test email through SMTP_URL and show the conversation and the headers sent',
    load: async () => (await import('./cli/mail-test.command.js')).mailTestCommand,
  },
  runs: {
    usage: 'runs [--kind digest|ingest] [--limit N] [--json]',
    summary: 'the newest digest and ingest runs',
    load: async () => (await import('./cli/runs.command.js')).runsCommand,
  },
  prune: {
    usage: 'prune [--dry-run]',
    summary: 'delete ended ledger rows, form emails, runs and outbox files past RETENTION_DAYS',
    load: async () => (await import('./cli/prune.command.js')).pruneCommand,
  },
  backup: {
    usage: 'backup --out FILE',
    summary: 'a consistent copy of the database, taken while it runs',
    load: async () => (await import('./cli/backup.command.js')).backupCommand,
  },
  'hash-password': {
    usage: 'hash-password',
    summary: 'an ADMIN_PASSWORD hash of the password on stdin',
    load: async () => (await import('./cli/hash-password.command.js')).hashPasswordCommand,
  },
};

const commandLine = ({ usage, summary }: CommandEntry) =>
  usage.length <= 40 ? `  ${usage.padEnd(42)}${summary}` : `  ${usage}\n  ${' '.repeat(42)}${summary}`;

const USAGE = `Usage: paperboy <command> [options]

Commands:
${Object.values(COMMANDS).map(commandLine).join('\n')}

Run paperboy <command> --help for one command. Settings come from environment variables; see the README.`;

const commandUsage = (entry: CommandEntry) => `Usage: paperboy ${entry.usage}\n\n${entry.summary[0]!.toUpperCase()}${entry.summary.slice(1)}.\n`;

/** `--help` anywhere before `--`: after it, "--help" is a topic like any other. */
const wantsHelp = (args: readonly string[]) => {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
};

/** Runs one command and returns its exit code: 0 done, 1 failed, 2 bad usage or input. */
export async function runCli(argv: string[], io: Omit<CommandContext, 'config'>): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(`${USAGE}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  // hasOwn: "constructor" or "toString" must not find Object's own functions.
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    io.stderr.write(`paperboy: unknown command "${oneLine(name)}"\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (wantsHelp(args)) {
    const { help } = await entry.load();
    io.stdout.write(help === undefined ? commandUsage(entry) : `${help}\n`);
    return EXIT.ok;
  }
  try {
    const command = await entry.load();
    return await command(args, { ...io, config: loadConfig() });
  } catch (thrown) {
    // Loaded only here: a command that needs no database never loads SQLite for this.
    const err = (await import('./db/connection.js')).sqliteFault(thrown) ?? thrown;
    // parseArgs throws TypeErrors with a code for unknown or malformed options.
    const badArgs = (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true;
    const code = badArgs ? EXIT.usage : operatorExitCode(err);
    if (code === null) {
      io.stderr.write(`paperboy ${name}: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      return EXIT.failed;
    }
    const prefix = err instanceof ConfigError ? 'paperboy: invalid setting' : `paperboy ${name}`;
    // Node's own text for an unknown option goes on about positional arguments after `--`; the usage says more.
    const message = badArgs ? `${(err as Error).message.split(/\.\s/)[0]!.replace(/\.$/, '')}; see paperboy ${name} --help` : (err as Error).message;
    io.stderr.write(`${prefix}: ${oneLine(message.replace(/\s*\n\s*/g, '; '))}\n`);
    return code;
  }
}
