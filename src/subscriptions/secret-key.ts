import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';

export interface SecretKey {
  key: Buffer;
  /** Where the key came from, for the start-up log. */
  origin: 'setting' | 'file' | 'generated';
  file: string | null;
}

/**
 * The key that signs every link. `SECRET_KEY` wins; without it a random key is
 * made once and kept in the data folder, so links keep working across
 * restarts of a development install.
 */
export function resolveSecretKey(secretKey: string | null, dataDir: string): SecretKey {
  if (secretKey) return { key: Buffer.from(secretKey, 'utf8'), origin: 'setting', file: null };
  const file = path.join(dataDir, 'secret.key');
  try {
    return readOrMakeKey(file, dataDir);
  } catch (err) {
    throw explainKeyFileError(err, file);
  }
}

function readOrMakeKey(file: string, dataDir: string): SecretKey {
  try {
    return { key: readKeyFile(file), origin: 'file', file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const hex = randomBytes(32).toString('hex');
  try {
    // `wx` fails when another process made the file first; then both use that one.
    fs.writeFileSync(file, `${hex}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { key: readKeyFile(file), origin: 'file', file };
  }
  return { key: Buffer.from(hex, 'hex'), origin: 'generated', file };
}

function readKeyFile(file: string): Buffer {
  const text = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64,}$/i.test(text)) {
    throw new EnvironmentError(`${file} does not hold a key of 64 hex digits; set SECRET_KEY, or delete the file to make a new key`);
  }
  return Buffer.from(text, 'hex');
}

/** A key file that cannot be read or made, as one line the operator can act on. */
function explainKeyFileError(err: unknown, file: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'EISDIR' || code === 'ENOTDIR') {
    return new EnvironmentError(`cannot read or write ${file} (${code}): set SECRET_KEY, or give the user paperboy runs as access to the data folder`);
  }
  return err;
}
