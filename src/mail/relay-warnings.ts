import type { Config } from '../config.js';

type RelaySettings = Pick<Config, 'smtpUrl' | 'publicUrl' | 'postalAddress' | 'dkim'>;

/**
 * What a deployment sending through a real relay lacks for the bulk-sender
 * rules of Gmail and Yahoo (2024). Only warnings: a small list may not need
 * them, and the outbox (no relay) never does.
 */
export function relayWarnings(config: RelaySettings): string[] {
  if (!config.smtpUrl) return [];
  const warnings: string[] = [];
  if (!config.postalAddress) {
    warnings.push('MAIL_POSTAL_ADDRESS is not set: bulk senders must print a postal address in every email, and digests go out without one');
  }
  if (!config.publicUrl.startsWith('https:')) {
    warnings.push(`PUBLIC_URL (${config.publicUrl}) is not https: mail clients offer one-click unsubscribe only for https links`);
  }
  if (!config.dkim) {
    warnings.push('DKIM is not configured (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY): Gmail and Yahoo expect bulk mail to be signed, unless the relay signs it');
  }
  return warnings;
}
