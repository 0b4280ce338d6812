import { describe, expect, it } from 'vitest';
import { TokenSigner, type TokenPurpose } from '../../src/subscriptions/tokens.js';

const signer = new TokenSigner(Buffer.from('k'.repeat(40)));
const claims = { subscriberId: 42, tokenVersion: 1 };

describe('TokenSigner', () => {
  it('verifies its own token for the same purpose', () => {
    const token = signer.sign('unsubscribe', claims);
    expect(token).toMatch(/^42\.1\.[A-Za-z0-9_-]{43}$/);
    expect(signer.verify('unsubscribe', token)).toEqual(claims);
  });

  it.each<[TokenPurpose, TokenPurpose]>([
    ['confirm', 'manage'],
    ['confirm', 'unsubscribe'],
    ['manage', 'confirm'],
    ['manage', 'unsubscribe'],
    ['unsubscribe', 'confirm'],
    ['unsubscribe', 'manage'],
  ])('never accepts a %s token as a %s token', (made, used) => {
    expect(signer.verify(used, signer.sign(made, claims))).toBeNull();
  });

  it('refuses a token signed with another key, as after a key rotation', () => {
    const old = new TokenSigner(Buffer.from('o'.repeat(40)));
    expect(signer.verify('manage', old.sign('manage', claims))).toBeNull();
  });

  it('refuses a token whose subscriber or version was changed', () => {
    const [, , mac] = signer.sign('manage', claims).split('.');
    expect(signer.verify('manage', `43.1.${mac}`)).toBeNull();
    expect(signer.verify('manage', `42.2.${mac}`)).toBeNull();
  });

  it('refuses truncated, padded and malformed tokens', () => {
    const token = signer.sign('manage', claims);
    for (const bad of [token.slice(0, -1), `${token}A`, token.replace(/\.[^.]+$/, '.'), '', '42.1', '0.1.' + 'A'.repeat(43), `42.1.${'A'.repeat(43)}`, ` ${token}`, `${token}\n`]) {
      expect(signer.verify('manage', bad)).toBeNull();
    }
  });

  it('refuses a key too short to be secret', () => {
    expect(() => new TokenSigner(Buffer.from('short'))).toThrow(/at least 32 bytes/);
  });
});
