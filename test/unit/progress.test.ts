import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, columns: 80, writes, write: (text: string) => writes.push(text) };
}

describe('createProgress', () => {
  it('draws a bar in place on a terminal', () => {
    const out = stream(true);
    const progress = createProgress('ingest', 4, out);
    progress.advance(2);
    progress.finish('4 added');
    expect(out.writes[0]).toMatch(/^\ringest \[-+\] 0\/4$/);
    expect(out.writes[1]).toMatch(/^\ringest \[#+-+\] 2\/4$/);
    expect(out.writes.at(-1)).toBe('\r\x1b[2Kingest: 4 added\n');
  });

  it('writes plain lines elsewhere: the start, each quarter, the end', () => {
    const out = stream(false);
    const progress = createProgress('ingest', 100, out);
    for (let i = 0; i < 100; i += 1) progress.advance();
    progress.finish('done');
    expect(out.writes).toEqual(['ingest: 100 to do\n', 'ingest: 25/100\n', 'ingest: 50/100\n', 'ingest: 75/100\n', 'ingest: done\n']);
  });
});
