import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { figuresBlock, PERFORMANCE_DOC, readResults, withFigures } from '../../bench/performance-doc.js';

describe('docs/performance.md', () => {
  it('shows the figures of the committed bench/results.json', () => {
    const doc = fs.readFileSync(PERFORMANCE_DOC, 'utf8');
    expect(doc).toContain(figuresBlock(readResults()));
  });

  it('would notice a figure that changed', () => {
    const results = readResults();
    const doc = fs.readFileSync(PERFORMANCE_DOC, 'utf8');
    const changed = withFigures(doc, { ...results, digests_per_sec: 1 });
    expect(changed).not.toBe(doc);
    expect(changed).toContain('| `digests_per_sec` | 1 |');
  });

  it('says when the subscribe figures come from a later run than the rest', () => {
    const results = { ...readResults(), measured_at: '2026-12-01T10:00:00.000Z' };
    expect(figuresBlock({ ...results, subscribe_measured_at: '2026-12-02T17:27:00.000Z' })).toContain('from a later `npm run bench:subscribe`, at 2026-12-02 17:27 UTC');
    // A full run after it measured subscribe itself: nothing to say.
    expect(figuresBlock({ ...results, subscribe_measured_at: '2026-11-30T09:00:00.000Z' })).not.toContain('bench:subscribe');
  });
});
