import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { figuresBlock, keepLargeFigures, LARGE_FIGURES, PERFORMANCE_DOC, readResults, withFigures, type BenchResults } from '../../bench/performance-doc.js';

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

  describe('a run without BENCH_LARGE=1', () => {
    const large: BenchResults = {
      ...readResults(),
      measured_at: '2026-12-02T10:00:00.000Z',
      digests_per_sec: 350,
      digests_per_sec_1m: 433.6,
      peak_rss_mb_1m: 190.6,
      match_seconds_1m: 1.024,
      plan_seconds_1m: 211.553,
      runs: { small: { sent: 1 }, large: { sent: 2 }, huge: { sent: 998_239 } },
      targets: { 'digests/s at 1M at least 0.9 of 100k': { value: '1.23', met: true }, 'at least 0.7 of raw SMTP': { value: '0.28', met: false } },
    };
    const later: BenchResults = {
      ...large,
      measured_at: '2026-12-07T10:00:00.000Z',
      digests_per_sec: 400,
      digests_per_sec_1m: null,
      peak_rss_mb_1m: null,
      match_seconds_1m: null,
      plan_seconds_1m: null,
      runs: { small: { sent: 3 }, large: { sent: 4 }, huge: null },
      targets: { 'at least 0.7 of raw SMTP': { value: '0.30', met: false } },
    };

    it('keeps the last large run\'s figures and targets, with their own date, instead of writing nulls over them', () => {
      const kept = keepLargeFigures(later, keepLargeFigures(large, null));
      for (const name of LARGE_FIGURES) expect(kept[name]).toBe(large[name]);
      expect(kept.digests_per_sec).toBe(400);
      expect(kept.runs).toEqual({ small: { sent: 3 }, large: { sent: 4 }, huge: { sent: 998_239 } });
      expect(kept.targets).toEqual({ 'at least 0.7 of raw SMTP': { value: '0.30', met: false }, 'digests/s at 1M at least 0.9 of 100k': { value: '1.23', met: true } });
      expect(kept.large_measured_at).toBe('2026-12-02T10:00:00.000Z');
      expect(figuresBlock(kept)).toContain('from an earlier `BENCH_LARGE=1` run, on 2026-12-02');
      // And the run after that keeps the same date, not the one in between.
      expect(keepLargeFigures({ ...later, measured_at: '2026-12-08T10:00:00.000Z' }, kept).large_measured_at).toBe('2026-12-02T10:00:00.000Z');
    });

    it('has nothing to keep before the first large run, and a large run dates its own figures', () => {
      expect(keepLargeFigures(later, null).digests_per_sec_1m).toBeNull();
      expect(keepLargeFigures(later, { ...later, measured_at: '2026-12-01T00:00:00.000Z' }).digests_per_sec_1m).toBeNull();
      const own = keepLargeFigures(large, later);
      expect(own.large_measured_at).toBe(large.measured_at);
      expect(own.digests_per_sec_1m).toBe(433.6);
      expect(figuresBlock(own)).not.toContain('BENCH_LARGE');
    });
  });
});
