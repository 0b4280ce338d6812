import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What a link may do. A token made for one purpose never works for another:
 * a forwarded digest's "view in browser" link (view) cannot change anyone's
 * preferences (manage).
 */
export type TokenPurpose = 'confirm' | 'manage' | 'unsubscribe' | 'view';

export interface TokenClaims {
  subscriberId: number;
  tokenVersion: number;
}

/** `<subscriber id>.<token version>.<43 characters of base64url HMAC>` */
const TOKEN = /^([1-9]\d{0,14})\.([1-9]\d{0,8})\.([A-Za-z0-9_-]{43})$/;

/**
 * Signs and checks the tokens in every emailed link: HMAC-SHA256 over
 * (purpose, subscriber id, token version). Nothing is stored per token; raising
 * a subscriber's token version revokes all of their links at once.
 */
export class TokenSigner {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('the token key must be at least 32 bytes');
  }

  sign(purpose: TokenPurpose, { subscriberId, tokenVersion }: TokenClaims): string {
    return `${subscriberId}.${tokenVersion}.${this.mac(purpose, subscriberId, tokenVersion)}`;
  }

  /** The claims of a genuine token for this purpose, or null for anything else. */
  verify(purpose: TokenPurpose, token: string): TokenClaims | null {
    const parts = TOKEN.exec(token);
    if (!parts) return null;
    const subscriberId = Number(parts[1]);
    const tokenVersion = Number(parts[2]);
    const expected = Buffer.from(this.mac(purpose, subscriberId, tokenVersion));
    const given = Buffer.from(parts[3]!);
    // Both are 43 ASCII bytes here, so the comparison takes the same time whatever differs.
    return timingSafeEqual(expected, given) ? { subscriberId, tokenVersion } : null;
  }

  private mac(purpose: TokenPurpose, subscriberId: number, tokenVersion: number): string {
    return createHmac('sha256', this.key).update(`paperboy/${purpose}/${subscriberId}/${tokenVersion}`).digest('base64url');
  }
}
