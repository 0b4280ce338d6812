import { describe, expect, it } from 'vitest';
import { runTwoDayDemo } from '../../scripts/two-day-demo.js';

describe('two simulated days through the CLI (npm run demo)', () => {
  it('gives ten readers in five time zones exactly the digests they should get, each paper once', { timeout: 300_000 }, async () => {
    const lines: string[] = [];
    const result = await runTwoDayDemo((line) => lines.push(line));

    expect(result.runs).toBe(48);
    expect(result.repeats).toEqual([]);
    for (const reader of result.readers) {
      const got = reader.received.map(({ localDate, titles }) => ({ localDate, titles }));
      const want = reader.expected.map(({ localDate, titles }) => ({ localDate, titles: [...titles].sort() }));
      expect(got, reader.email).toEqual(want);
    }
    expect(new Set(result.readers.map((reader) => reader.timezone)).size).toBe(5);
    expect(result.readers.flatMap((reader) => reader.received)).toHaveLength(13);
    expect(result.ok, lines.join('\n')).toBe(true);
  });
});
