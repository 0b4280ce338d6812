import { createHmac } from 'node:crypto';
import type { Mailer } from '../mail/mailer.js';

/**
 * The Message-ID of a subscriber's digest for a key. Derived, not random:
 * every attempt, even after a crash, carries the same one, so a resend is
 * recognisably the same message. The keyed hash keeps two installs (whose
 * subscriber ids and dates overlap) from ever sharing an id.
 */
export function digestMessageIds(secretKey: Buffer, mailer: Pick<Mailer, 'messageId'>) {
  return (subscriberId: number, digestKey: string): string => {
    const tag = createHmac('sha256', secretKey).update(`digest/${subscriberId}/${digestKey}`).digest('base64url').slice(0, 12);
    return mailer.messageId(`digest.${digestKey}.${subscriberId}.${tag}`);
  };
}
