import { openStore } from '../store.js';
import { type Command, EXIT, UsageError } from './command.js';

export const migrateCommand: Command = async (args, { config, stdout }) => {
  if (args.length > 0) throw new UsageError(`migrate takes no arguments (got ${args.join(' ')})`);
  const { db, migration } = openStore(config.databasePath, { seedIfEmpty: false });
  try {
    const { applied, version } = migration;
    stdout.write(
      applied.length === 0
        ? `${config.databasePath}: schema already at version ${version}\n`
        : `${config.databasePath}: applied ${applied.length} migration(s); schema now at version ${version}\n`,
    );
    return EXIT.ok;
  } finally {
    db.close();
  }
};
