import { describe, expect, it } from 'vitest';
import { TOKEN_PURPOSES } from '../../src/subscriptions/tokens.js';
import { testApp } from '../helpers/app.js';

const PREFS = { topics: [{ text: 'LoRA', key: 'lora' }], frequency: 'daily' as const, weekday: null, sendHour: 8, timezone: 'UTC' };
const OTHER_PREFS = { ...PREFS, topics: [{ text: 'diffusion', key: 'diffusion' }] };
const NOW = '2026-11-27T10:00:00.000Z';

/** A pending subscriber over a real database, with their links raised to version 3 as two changes of settings would. */
async function subscriberAtVersion3() {
  const { services } = await testApp({ seed: false });
  const { subscribers, subscriptions, tokens } = services;
  const { id } = subscribers.insertPending('ada@example.com', PREFS, NOW);
  subscribers.restartOptIn(id, OTHER_PREFS, NOW, true);
  subscribers.restartOptIn(id, PREFS, NOW, true);
  const subscriber = subscribers.findById(id)!;
  expect(subscriber.tokenVersion).toBe(3);
  const at = (tokenVersion: number, purpose: (typeof TOKEN_PURPOSES)[number] = 'manage') =>
    tokens.sign(purpose, { subscriberId: id, tokenVersion, secret: subscriber.tokenSecret });
  return { services, subscriber, subscriptions, at };
}

describe('checkLink tells a current link from a replaced one and from one that is no link at all', () => {
  it.each(TOKEN_PURPOSES)('a %s link at the current version is current, older ones replaced, a version never issued invalid', async (purpose) => {
    const { subscriptions, subscriber, at } = await subscriberAtVersion3();
    expect(subscriptions.checkLink(purpose, at(3, purpose))).toEqual({ kind: 'current', subscriber });
    expect(subscriptions.checkLink(purpose, at(2, purpose))).toEqual({ kind: 'replaced', subscriber });
    expect(subscriptions.checkLink(purpose, at(1, purpose))).toEqual({ kind: 'replaced', subscriber });
    // Only the key holder could make it, but a version ahead of the row was never in any email.
    expect(subscriptions.checkLink(purpose, at(4, purpose))).toEqual({ kind: 'invalid' });
    expect(subscriptions.fromToken(purpose, at(3, purpose))).toEqual(subscriber);
    // An unsubscribe link in an earlier email's List-Unsubscribe header keeps working; every other kind is revoked.
    expect(subscriptions.fromToken(purpose, at(2, purpose))).toEqual(purpose === 'unsubscribe' ? subscriber : null);
    expect(subscriptions.fromToken(purpose, at(4, purpose))).toBeNull();
  });

  it('calls a replaced link of another purpose, another secret, an unknown id or a bad shape invalid, never replaced', async () => {
    const { services, subscriptions, subscriber, at } = await subscriberAtVersion3();
    const old = (secret: string, subscriberId = subscriber.id) => services.tokens.sign('manage', { subscriberId, tokenVersion: 1, secret });
    for (const token of [
      at(1, 'view'),
      at(3, 'unsubscribe'),
      old('f'.repeat(32)),
      old(subscriber.tokenSecret, subscriber.id + 1),
      at(1).slice(0, -1),
      '',
      'not-a-token',
    ]) {
      expect(subscriptions.checkLink('manage', token), token).toEqual({ kind: 'invalid' });
    }
  });

  it('calls every link of an erased subscriber invalid, replaced or not', async () => {
    const { services, subscriptions, subscriber, at } = await subscriberAtVersion3();
    const links = [at(1), at(3)];
    expect(services.subscribers.erase(subscriber.id)).toBe(true);
    for (const token of links) expect(subscriptions.checkLink('manage', token)).toEqual({ kind: 'invalid' });
  });
});
