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
});
