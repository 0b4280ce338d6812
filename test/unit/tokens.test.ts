import { describe, expect, it } from 'vitest';
import { TOKEN_PURPOSES, TokenSigner, type TokenPurpose } from '../../src/subscriptions/tokens.js';

const signer = new TokenSigner(Buffer.from('k'.repeat(40)));
const secret = 'a'.repeat(32);
const claims = { subscriberId: 42, tokenVersion: 1, secret };

describe('TokenSigner', () => {
  it('verifies its own token for the same purpose and secret, and reads the id and version it names', () => {
    const token = signer.sign('unsubscribe', claims);
    expect(token).toMatch(/^42\.1\.[A-Za-z0-9_-]{43}$/);
    expect(token).not.toContain(secret);
    expect(signer.verify('unsubscribe', token, secret)).toBe(true);
    expect(signer.read(token)).toEqual({ subscriberId: 42, tokenVersion: 1 });
  });

  const pairs = TOKEN_PURPOSES.flatMap((made) => TOKEN_PURPOSES.filter((used) => used !== made).map((used) => [made, used] as [TokenPurpose, TokenPurpose]));
  it.each(pairs)('never accepts a %s token as a %s token', (made, used) => {
    expect(signer.verify(used, signer.sign(made, claims), secret)).toBe(false);
  });

  it('refuses a token made over another subscriber secret, as for an erased and re-created subscription', () => {
    expect(signer.verify('manage', signer.sign('manage', claims), 'b'.repeat(32))).toBe(false);
  });

  it('refuses a token signed with another key, as after a key rotation', () => {
    const old = new TokenSigner(Buffer.from('o'.repeat(40)));
    expect(signer.verify('manage', old.sign('manage', claims), secret)).toBe(false);
  });

  it('refuses a token whose subscriber or version was changed', () => {
    const [, , mac] = signer.sign('manage', claims).split('.');
    expect(signer.verify('manage', `43.1.${mac}`, secret)).toBe(false);
    expect(signer.verify('manage', `42.2.${mac}`, secret)).toBe(false);
  });

  it('refuses truncated, padded and malformed tokens', () => {
    const token = signer.sign('manage', claims);
    for (const bad of [token.slice(0, -1), `${token}A`, token.replace(/\.[^.]+$/, '.'), '', '42.1', '0.1.' + 'A'.repeat(43), `42.1.${'A'.repeat(43)}`, ` ${token}`, `${token}\n`]) {
      expect(signer.verify('manage', bad, secret)).toBe(false);
    }
    expect(signer.read('42.1')).toBeNull();
  });

  it('refuses a key too short to be secret', () => {
    expect(() => new TokenSigner(Buffer.from('short'))).toThrow(/at least 32 bytes/);
  });
});
