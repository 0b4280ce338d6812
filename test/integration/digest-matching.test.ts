import { describe, expect, it } from 'vitest';
import { SUBSCRIBER_BATCH } from '../../src/digest/digest.service.js';
import { digestWorld } from '../helpers/digest.js';
import { recordingTransport } from '../helpers/mail.js';
import { paper } from '../helpers/papers.js';

describe('matching is shared by everyone with the same topic', () => {
  it('runs one full-text query per distinct topic, however many subscribers share it', async () => {
    const mail = recordingTransport();
    const world = await digestWorld({ transport: mail.transport });
    world.addPapers(
      [paper({ title: 'LoRA adapters' }), paper({ title: 'Zebrafish fins' }), paper({ title: 'Mixture of experts routing' }), paper({ title: 'Cats' })],
      '2026-11-26T10:00:00Z',
    );
    // Four distinct topics, written in ways that normalise to the same key.
    const spellings = [['LoRA', 'lora', '  LORA '], ['zebrafish', 'Zebrafish'], ['"mixture of experts"', '"Mixture  of Experts"'], ['quokka']];
    const readers = SUBSCRIBER_BATCH * 2 + 100;
    for (let i = 0; i < readers; i += 1) {
      const family = spellings[i % spellings.length]!;
      world.subscribe({ email: `reader${i}@example.com`, topics: [family[i % family.length]!] });
    }

    const before = world.services.matcher.queries;
    const summary = await world.run('2026-11-27T08:00:00Z');
    expect(world.services.matcher.queries - before).toBe(4);
    expect(summary).toMatchObject({ due: readers, topics: 4, skipped: readers / 4, sent: (readers * 3) / 4 });

    const subjects = new Map(mail.sent.map((message) => [String(message.to), String(message.subject)]));
    expect(subjects.get('reader0@example.com')).toMatch(/^1 paper on LoRA$/);
    expect(subjects.get('reader1001@example.com')).toMatch(/^1 paper on zebrafish$/i);
    expect(subjects.has('reader3@example.com')).toBe(false);
  });
});
