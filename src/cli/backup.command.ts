import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../db/connection.js';
import { type Command, EXIT, UsageError } from './command.js';

const USAGE = `Usage: paperboy backup --out FILE

Writes a consistent copy of the database to FILE with SQLite's online backup
API. It is safe while the service runs: digests and ingests go on, and the
copy is the database as it was at one moment. FILE must not exist yet.`;

/**
 * The copy is written beside FILE under a temporary name and renamed when
 * complete, so FILE is never a half-written database.
 */
export const backupCommand: Command = async (args, { config, stdout }) => {
  const { values, positionals } = parseArgs({ args, options: { out: { type: 'string' } }, allowPositionals: true });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!values.out) throw new UsageError('backup needs --out FILE, the path of the copy to write');
  const out = path.resolve(values.out);
  if (fs.existsSync(out)) throw new UsageError(`${values.out} already exists; choose a new file name`);
  if (!fs.existsSync(path.dirname(out))) throw new UsageError(`the folder ${path.dirname(values.out)} does not exist`);
  if (!fs.existsSync(config.databasePath)) throw new UsageError(`there is no database at ${config.databasePath}`);

  const db = openDatabase(config.databasePath);
  const partial = `${out}.partial`;
  try {
    const { totalPages } = await db.backup(partial);
    fs.renameSync(partial, out);
    stdout.write(`backed up ${config.databasePath} to ${values.out} (${totalPages} pages)\n`);
    return EXIT.ok;
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw err;
  } finally {
    db.close();
  }
};
backupCommand.help = USAGE;
