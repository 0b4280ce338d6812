import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt's cost: about 50 ms and 16 MB per check, which makes guessing slow and is nothing for one login. */
const COST = { N: 2 ** 14, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

interface Hash {
  cost: { N: number; r: number; p: number };
  salt: Buffer;
  key: Buffer;
}

function derive(password: string, salt: Buffer, cost: Hash['cost']): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 128 * cost.N * cost.r * 2 };
  return new Promise((resolve, reject) => scrypt(password, salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** `scrypt$N$r$p$salt$hash`: what ADMIN_PASSWORD may hold instead of the password itself. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

function parse(encoded: string): Hash {
  const [, N, r, p, salt, key] = encoded.split('$');
  return { cost: { N: Number(N), r: Number(r), p: Number(p) }, salt: Buffer.from(salt!, 'base64'), key: Buffer.from(key!, 'base64') };
}

/**
 * The admin password, held only as a scrypt hash. A password given in the
 * clear is hashed once at start, so every check costs the same slow hash
 * whichever way it was set.
 */
export class AdminPassword {
  private readonly hash: Hash;
  /**
   * Keys the stored hash of each session token: the same for as long as
   * ADMIN_PASSWORD is, so a new password ends every session the old one
   * opened (a stolen cookie with it), while a restart ends none.
   */
  readonly sessionKey: Buffer;

  constructor(setting: string) {
    this.sessionKey = createHash('sha256').update('paperboy admin sessions\0').update(setting).digest();
    if (setting.startsWith('scrypt$')) {
      this.hash = parse(setting);
    } else {
      const salt = randomBytes(16);
      this.hash = { cost: COST, salt, key: scryptSync(setting, salt, KEY_LENGTH, COST) };
    }
  }

  async verify(candidate: string): Promise<boolean> {
    const key = await derive(candidate, this.hash.salt, this.hash.cost);
    return key.length === this.hash.key.length && timingSafeEqual(key, this.hash.key);
  }
}
