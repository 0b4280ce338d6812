import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readMigrations, schemaVersion } from '../../src/db/migrate.js';
import type { Subscriber } from '../../src/subscriptions/subscriber.js';
import { subscribeSchema } from '../../src/subscriptions/subscription.schema.js';
import { createDrillStore } from '../kit/drill-store.js';
import { addSubscriber, addSubscribers, createWorld } from '../kit/world.js';
import { testApp } from '../helpers/app.js';
import { tempDir } from '../helpers/store.js';

/** What a reader's row says about them, without the per-row secrets and ids. */
const visible = ({ id: _id, tokenSecret: _secret, ...subscriber }: Subscriber) => subscriber;

describe('the test kit', () => {
  it('makes the same subscriber as subscribing and following the confirmation link does', async () => {
    const at = new Date('2026-11-27T10:00:00Z');
    const { services, db } = await testApp({ seed: false, clock: () => at });
    const form = { topics: ' LoRA \ntest-time adaptation', frequency: 'weekly', weekday: '2', send_hour: '7', timezone: 'Asia/Kolkata' };

    await services.subscriptions.subscribe(subscribeSchema.parse({ ...form, email: 'visitor@example.com' }));
    const pending = services.subscribers.findByEmail('visitor@example.com')!;
    expect(services.subscriptions.confirm(services.links.token('confirm', pending)).kind).toBe('confirmed');
    await services.subscriptions.drain();
    const confirmed = services.subscribers.findByEmail('visitor@example.com')!;

    const made = addSubscriber(db, {
      email: 'kit@example.com',
      topics: form.topics.split('\n'),
      frequency: 'weekly',
      weekday: 2,
      sendHour: 7,
      timezone: 'Asia/Kolkata',
      subscribedAt: at.toISOString(),
    });
    // Only what the confirmation email's delivery records differs: the kit sends none.
    const { confirmSentAt: _sent, lastNoticeAt: _notice, ...rest } = visible(confirmed);
    expect(visible(made)).toEqual({ ...rest, email: 'kit@example.com', confirmSentAt: null, lastNoticeAt: null });
  });

  it('refuses a subscriber the form would refuse, and writes nothing', () => {
    const { db, remove } = createWorld({ dir: tempDir() });
    try {
      expect(() => addSubscriber(db, { email: 'ada@example.com', topics: ['LoRA'], timezone: 'Mars/Olympus_Mons' })).toThrow(/time zone/);
      expect(() => addSubscribers(db, [{ email: 'bob@example.com', topics: ['LoRA'] }, { email: 'cy@example.com', topics: [], sendHour: 24 }])).toThrow();
      expect(db.prepare('SELECT count(*) AS n FROM subscribers').get()).toEqual({ n: 0 });
    } finally {
      remove();
    }
  });

  it('opens every migration, and removes its folder when asked', () => {
    const world = createWorld();
    expect(schemaVersion(world.db)).toBe(readMigrations().length);
    world.remove();
    expect(fs.existsSync(world.dir)).toBe(false);
  });

  it('draws the same drill readers from the same seed, and others from another', () => {
    const readers = (seed: number) => {
      const store = createDrillStore({ subscribers: 40, seed });
      try {
        return store.db.prepare("SELECT s.email, s.timezone, s.send_hour, group_concat(t.text, '|') AS topics FROM subscribers s JOIN subscriber_topics t ON t.subscriber_id = s.id WHERE s.status = 'active' GROUP BY s.id ORDER BY s.id").all();
      } finally {
        store.remove();
      }
    };
    const first = readers(3);
    expect(first).toHaveLength(40);
    expect(readers(3)).toEqual(first);
    expect(readers(4)).not.toEqual(first);
  });
});
