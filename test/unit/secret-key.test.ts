import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSecretKey } from '../../src/subscriptions/secret-key.js';
import { tempDir } from '../helpers/store.js';

describe('resolveSecretKey', () => {
  it('uses SECRET_KEY when it is set and writes nothing', () => {
    const dir = tempDir();
    const secret = resolveSecretKey('s'.repeat(40), dir);
    expect(secret).toMatchObject({ origin: 'setting', file: null });
    expect(secret.key.toString()).toBe('s'.repeat(40));
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('makes a random key once, private to its owner, and reuses it', () => {
    const dir = path.join(tempDir(), 'data');
    const first = resolveSecretKey(null, dir);
    expect(first.origin).toBe('generated');
    expect(first.key).toHaveLength(32);
    expect(fs.statSync(first.file!).mode & 0o777).toBe(0o600);
    const second = resolveSecretKey(null, dir);
    expect(second.origin).toBe('file');
    expect(second.key.equals(first.key)).toBe(true);
    expect(resolveSecretKey(null, tempDir()).key.equals(first.key)).toBe(false);
  });

  it('stops with a clear message when the key file was damaged', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'secret.key'), 'not a key');
    expect(() => resolveSecretKey(null, dir)).toThrow(/does not hold a key of 64 hex digits; set SECRET_KEY, or delete the file/);
  });
});
