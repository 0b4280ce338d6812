import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TOKEN_PURPOSES, TokenSigner, type TokenClaims, type TokenPurpose } from '../../src/subscriptions/tokens.js';

const KEY = 'k'.repeat(40);
const SECRET = 'a'.repeat(32);
const MAC = '[A-Za-z0-9_-]{43}';

const claims: TokenClaims = { subscriberId: 42, tokenVersion: 1, secret: SECRET };

/**
 * Built inside each test, neither at load nor in a hook: a mutant that makes
 * the constructor throw must fail the tests, and a throw at load or in
 * beforeAll is reported as a survivor by the mutation runner.
 */
const signer = () => new TokenSigner(Buffer.from(KEY));

/** The token's exact shape for this id and version: nothing before, between or after. */
const shape = (id: string, version: string) => new RegExp(`^${id}\\.${version}\\.${MAC}$`);

describe('TokenSigner', () => {
  it('verifies its own token for the same purpose and secret, and reads the id and version it names', () => {
    const token = signer().sign('unsubscribe', claims);
    expect(token).toMatch(shape('42', '1'));
    expect(token).not.toContain(SECRET);
    expect(signer().verify('unsubscribe', token, SECRET)).toBe(true);
    expect(signer().read(token)).toEqual({ subscriberId: 42, tokenVersion: 1 });
  });

  it('signs the one documented message, so links in emails already sent keep working after an upgrade', () => {
    // HMAC-SHA256 over `paperboy/<purpose>/<id>/<version>/<secret>`, base64url without padding.
    for (const purpose of TOKEN_PURPOSES) {
      const mac = createHmac('sha256', Buffer.from(KEY)).update(`paperboy/${purpose}/42/1/${SECRET}`).digest('base64url');
      expect(signer().sign(purpose, claims)).toBe(`42.1.${mac}`);
    }
  });

  it('gives every purpose its own signature', () => {
    const tokens = TOKEN_PURPOSES.map((purpose) => signer().sign(purpose, claims));
    expect(new Set(tokens).size).toBe(TOKEN_PURPOSES.length);
  });

  it.each(
    TOKEN_PURPOSES.flatMap((made) => TOKEN_PURPOSES.filter((used) => used !== made).map((used) => [made, used] as [TokenPurpose, TokenPurpose])),
  )('never accepts a %s token as a %s token', (made, used) => {
    const token = signer().sign(made, claims);
    expect(signer().verify(made, token, SECRET)).toBe(true);
    expect(signer().verify(used, token, SECRET)).toBe(false);
  });

  it('accepts ids of 1 to 15 digits and versions of 1 to 9 digits, each read back exactly', () => {
    const cases: Array<[number, number]> = [
      [7, 1],
      [7, 9],
      [7, 10],
      [10, 99],
      [123_456_789_012_345, 1],
      [999_999_999_999_999, 999_999_999],
      [1, 123_456_789],
    ];
    for (const [subscriberId, tokenVersion] of cases) {
      const token = signer().sign('manage', { subscriberId, tokenVersion, secret: SECRET });
      expect(token).toMatch(shape(String(subscriberId), String(tokenVersion)));
      expect(signer().read(token), token).toEqual({ subscriberId, tokenVersion });
      expect(signer().verify('manage', token, SECRET), token).toBe(true);
    }
  });

  it('refuses an id of 16 digits and a version of 10, which no row can reach and a number would round', () => {
    for (const [subscriberId, tokenVersion] of [
      [1_000_000_000_000_000, 1],
      [42, 1_000_000_000],
    ] as const) {
      const token = signer().sign('manage', { subscriberId, tokenVersion, secret: SECRET });
      expect(signer().read(token), token).toBeNull();
      expect(signer().verify('manage', token, SECRET), token).toBe(false);
    }
  });

  it('refuses another spelling of the same id or version, so each link has one form', () => {
    const [, , mac] = signer().sign('manage', claims).split('.');
    for (const bad of [`042.1.${mac}`, `42.01.${mac}`, `+42.1.${mac}`, `42.1.0.${mac}`, `4 2.1.${mac}`, `42.1a.${mac}`, `42a.1.${mac}`]) {
      expect(signer().read(bad), bad).toBeNull();
      expect(signer().verify('manage', bad, SECRET), bad).toBe(false);
    }
    // Zero names no row: ids and versions start at 1.
    const zero = signer().sign('manage', { subscriberId: 0, tokenVersion: 1, secret: SECRET });
    const zeroVersion = signer().sign('manage', { subscriberId: 42, tokenVersion: 0, secret: SECRET });
    for (const bad of [zero, zeroVersion]) {
      expect(signer().read(bad), bad).toBeNull();
      expect(signer().verify('manage', bad, SECRET), bad).toBe(false);
    }
  });

  it('refuses a token made over another subscriber secret, as for an erased and re-created subscription', () => {
    const token = signer().sign('manage', claims);
    expect(signer().verify('manage', token, SECRET)).toBe(true);
    for (const other of ['b'.repeat(32), `${SECRET}a`, SECRET.slice(1), '']) {
      expect(signer().verify('manage', token, other), other).toBe(false);
    }
  });

  it('refuses a token signed with another key, as after a key rotation', () => {
    const old = new TokenSigner(Buffer.from('o'.repeat(40)));
    const token = old.sign('manage', claims);
    expect(old.verify('manage', token, SECRET)).toBe(true);
    expect(signer().verify('manage', token, SECRET)).toBe(false);
  });

  it('refuses a token whose subscriber or version was changed', () => {
    const [, , mac] = signer().sign('manage', claims).split('.');
    expect(signer().verify('manage', `42.1.${mac}`, SECRET)).toBe(true);
    expect(signer().verify('manage', `43.1.${mac}`, SECRET)).toBe(false);
    expect(signer().verify('manage', `42.2.${mac}`, SECRET)).toBe(false);
    expect(signer().verify('manage', `4.21.${mac}`, SECRET)).toBe(false);
  });

  it('compares the whole signature: one character changed anywhere in it is refused', () => {
    const token = signer().sign('manage', claims);
    const start = token.length - 43;
    for (const at of [start, start + 21, token.length - 1]) {
      const swapped = token[at] === 'A' ? 'B' : 'A';
      const bad = `${token.slice(0, at)}${swapped}${token.slice(at + 1)}`;
      // Still well formed, so it reaches the comparison rather than the shape check.
      expect(signer().read(bad)).toEqual({ subscriberId: 42, tokenVersion: 1 });
      expect(signer().verify('manage', bad, SECRET), bad).toBe(false);
    }
  });

  it('refuses truncated, padded and malformed tokens without throwing', () => {
    const token = signer().sign('manage', claims);
    const [, , mac] = token.split('.');
    for (const bad of [
      token.slice(0, -1),
      `${token}A`,
      `${token}=`,
      token.replace(/\.[^.]+$/, '.'),
      '',
      '42.1',
      `42..${mac}`,
      `.1.${mac}`,
      `42.1.${mac!.slice(0, 42)}*`,
      `42.1.${mac!.slice(0, 42)}+`,
      `42.1.${mac!.slice(0, 42)}/`,
      ` ${token}`,
      `${token}\n`,
      `x${token}`,
      `${token}.`,
    ]) {
      expect(() => signer().verify('manage', bad, SECRET), bad).not.toThrow();
      expect(signer().verify('manage', bad, SECRET), bad).toBe(false);
      expect(signer().read(bad), bad).toBeNull();
    }
    // Well formed but signed by no one.
    expect(signer().read(`42.1.${'A'.repeat(43)}`)).toEqual({ subscriberId: 42, tokenVersion: 1 });
    expect(signer().verify('manage', `42.1.${'A'.repeat(43)}`, SECRET)).toBe(false);
  });

  it('refuses a key of 31 bytes and accepts one of 32', () => {
    expect(() => new TokenSigner(Buffer.alloc(0))).toThrow('the token key must be at least 32 bytes');
    expect(() => new TokenSigner(Buffer.alloc(31, 1))).toThrow('the token key must be at least 32 bytes');
    const exact = new TokenSigner(Buffer.alloc(32, 1));
    expect(exact.verify('view', exact.sign('view', claims), SECRET)).toBe(true);
    expect(() => new TokenSigner(Buffer.alloc(64, 1))).not.toThrow();
  });

  it('binds a scoped token to its scope: a feedback link for one paper works for that paper only', () => {
    const token = signer().sign('feedback', claims, '17');
    expect(token).toMatch(shape('42', '1'));
    expect(signer().verify('feedback', token, SECRET, '17')).toBe(true);
    for (const scope of ['18', '1', '170', '', undefined]) expect(signer().verify('feedback', token, SECRET, scope), String(scope)).toBe(false);
    // An unscoped token of the same purpose is no scoped one, and the other way round.
    expect(signer().verify('feedback', signer().sign('feedback', claims), SECRET, '17')).toBe(false);
    expect(signer().verify('feedback', signer().sign('feedback', claims), SECRET)).toBe(true);
    // Nor does a scoped token pass for another purpose with the same scope.
    expect(signer().verify('view', token, SECRET, '17')).toBe(false);
  });

  it('signs a scope after the secret, so unscoped links keep their exact signature', () => {
    const mac = createHmac('sha256', Buffer.from(KEY)).update(`paperboy/feedback/42/1/${SECRET}/17`).digest('base64url');
    expect(signer().sign('feedback', claims, '17')).toBe(`42.1.${mac}`);
    const empty = createHmac('sha256', Buffer.from(KEY)).update(`paperboy/feedback/42/1/${SECRET}/`).digest('base64url');
    expect(signer().sign('feedback', claims, '')).toBe(`42.1.${empty}`);
  });
});
