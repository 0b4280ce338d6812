import { describe, expect, it } from 'vitest';
import { addReaders } from '../../bench/synthetic.js';
import { eachSyntheticReader, syntheticTopics } from '../kit/synthetic.js';
import { addSubscribers, createWorld } from '../kit/world.js';
import { tempDir } from '../helpers/store.js';

/** Every column but the per-row secret and id, and every topic line, as rows. */
function readers(db: ReturnType<typeof createWorld>['db']) {
  return {
    subscribers: db.prepare('SELECT * FROM subscribers ORDER BY id').all().map((row) => {
      const { id: _id, token_secret: secret, ...rest } = row as Record<string, unknown>;
      expect(secret).toMatch(/^[0-9a-f]{32}$/);
      return rest;
    }),
    topics: db.prepare('SELECT s.email, t.position, t.text, t.key FROM subscriber_topics t JOIN subscribers s ON s.id = t.subscriber_id ORDER BY s.id, t.position').all(),
  };
}

describe('the benchmark\'s bulk readers', () => {
  it('are the rows the repository writes for the same readers, schedules and topics alike', () => {
    const specs = [...eachSyntheticReader(40, syntheticTopics(30), { sendHour: 23 })];
    const byRepository = createWorld({ dir: tempDir() });
    const inBulk = createWorld({ dir: tempDir() });
    try {
      addSubscribers(byRepository.db, specs);
      addReaders(inBulk.db, specs);
      const expected = readers(byRepository.db);
      expect(expected.subscribers).toHaveLength(40);
      expect(new Set(expected.subscribers.map((row) => row.timezone)).size).toBeGreaterThan(5);
      expect(readers(inBulk.db)).toEqual(expected);
      // Each reader has a secret of their own, as tokens need.
      expect(new Set(inBulk.db.prepare('SELECT token_secret FROM subscribers').pluck().all()).size).toBe(40);
    } finally {
      byRepository.remove();
      inBulk.remove();
    }
  });
});
