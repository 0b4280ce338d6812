import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What a link may do. A token made for one purpose never works for another:
 * a forwarded digest's "view in browser" link (view) cannot change anyone's
 * preferences (manage), and a feed address handed to a feed reader (feed)
 * opens nothing but the feed. A new kind of link is one more name here.
 * A `feedback` token ("more/less like this") is also bound to one paper: it
 * is signed over a scope (the paper), and checks only for that scope.
 */
export const TOKEN_PURPOSES = ['confirm', 'manage', 'unsubscribe', 'view', 'feed', 'feedback'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

/** What a token is signed over. */
export interface TokenClaims {
  subscriberId: number;
  tokenVersion: number;
  /** The subscriber's own random secret (hex), which never leaves the database. */
  secret: string;
}

/** What a token says about itself before anyone checks it. */
export type NamedClaims = Omit<TokenClaims, 'secret'>;

/** `<subscriber id>.<token version>.<43 characters of base64url HMAC>` */
const TOKEN = /^([1-9]\d{0,14})\.([1-9]\d{0,8})\.([A-Za-z0-9_-]{43})$/;

/**
 * Signs and checks the tokens in every emailed link: HMAC-SHA256 over
 * (purpose, subscriber id, the subscriber's random secret, token version).
 * Nothing is stored per token. Raising a subscriber's token version revokes
 * all of their links at once; the secret makes every link die with the row
 * it was made for, even if an id were ever handed out again.
 */
export class TokenSigner {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('the token key must be at least 32 bytes');
  }

  /** `scope` narrows the token to one thing (a feedback token's paper); it must then be given to `verify` too. */
  sign(purpose: TokenPurpose, { subscriberId, tokenVersion, secret }: TokenClaims, scope?: string): string {
    return `${subscriberId}.${tokenVersion}.${this.mac(purpose, subscriberId, tokenVersion, secret, scope)}`;
  }

  /** The subscriber and version a well-formed token names, unverified: the verifier needs that subscriber's secret. */
  read(token: string): NamedClaims | null {
    const parts = TOKEN.exec(token);
    return parts ? { subscriberId: Number(parts[1]), tokenVersion: Number(parts[2]) } : null;
  }

  /** True when the token is genuine for this purpose and this subscriber's secret, at the version it names. */
  verify(purpose: TokenPurpose, token: string, secret: string, scope?: string): boolean {
    const parts = TOKEN.exec(token);
    if (!parts) return false;
    const expected = Buffer.from(this.mac(purpose, Number(parts[1]), Number(parts[2]), secret, scope));
    // Both are 43 ASCII bytes here, so the comparison takes the same time whatever differs.
    return timingSafeEqual(expected, Buffer.from(parts[3]!));
  }

  /**
   * The secret is hex, so `/` after it can only start a scope: an unscoped
   * message is never a scoped one's prefix-twin, and the purposes without a
   * scope sign exactly what they always did.
   */
  private mac(purpose: TokenPurpose, subscriberId: number, tokenVersion: number, secret: string, scope?: string): string {
    const scoped = scope === undefined ? '' : `/${scope}`;
    return createHmac('sha256', this.key).update(`paperboy/${purpose}/${subscriberId}/${tokenVersion}/${secret}${scoped}`).digest('base64url');
  }
}
