import { hashPassword } from '../admin/password.js';
import { type Command, EXIT, UsageError } from './command.js';

const USAGE = `Usage: echo -n 'the password' | paperboy hash-password

Prints the scrypt hash of the password read from stdin, to put in
ADMIN_PASSWORD instead of the password itself. The password is read from
stdin so that it stays out of the shell history and the process list.`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export const hashPasswordCommand: Command = async (args, { stdout }) => {
  if (args.length > 0) throw new UsageError('hash-password takes no arguments; give the password on stdin');
  const password = await readStdin();
  if (password.length < 12) throw new UsageError('the password must be at least 12 characters');
  stdout.write(`${await hashPassword(password)}\n`);
  return EXIT.ok;
};
hashPasswordCommand.help = USAGE;
