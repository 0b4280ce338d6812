import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * VERP return paths: each digest goes out with its own envelope sender,
 * `bounces+d<delivery id>.<tag>@BOUNCE_DOMAIN`, so a bounce that reaches the
 * mailbox names the delivery it is about even when the relay rewrites or
 * drops the original headers. The tag is a keyed hash, so nobody can forge a
 * bounce for a delivery by guessing ids. Lower-case hex survives MTAs that
 * fold the local part's case.
 */
const LOCAL = /^bounces\+d([1-9]\d{0,14})\.([0-9a-f]{16})$/i;

export class ReturnPaths {
  constructor(
    private readonly key: Buffer,
    private readonly domain: string,
  ) {}

  /** The envelope sender for one delivery. */
  forDelivery(deliveryId: number): string {
    return `bounces+d${deliveryId}.${this.tag(deliveryId)}@${this.domain}`;
  }

  /** The delivery a genuine return path names, or null for any other address. */
  deliveryOf(address: string): number | null {
    const at = address.lastIndexOf('@');
    if (at === -1 || address.slice(at + 1).toLowerCase() !== this.domain.toLowerCase()) return null;
    const parts = LOCAL.exec(address.slice(0, at));
    if (!parts) return null;
    const id = Number(parts[1]);
    const expected = Buffer.from(this.tag(id));
    const given = Buffer.from(parts[2]!.toLowerCase());
    return timingSafeEqual(expected, given) ? id : null;
  }

  private tag(deliveryId: number): string {
    return createHmac('sha256', this.key).update(`paperboy/verp/${deliveryId}`).digest('hex').slice(0, 16);
  }
}
