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
    progress.finish();
    expect(out.writes[0]).toMatch(/^\ringest \[-+\] 0\/4$/);
    expect(out.writes[1]).toMatch(/^\ringest \[#+-+\] 2\/4$/);
    // The bar's line is cleared for the command's own summary, which it does not repeat.
    expect(out.writes.at(-1)).toBe('\r\x1b[2K');
  });

  it('writes plain lines elsewhere: the start, each quarter, the end', () => {
    const out = stream(false);
    const progress = createProgress('ingest', 100, out);
    for (let i = 0; i < 100; i += 1) progress.advance();
    progress.finish();
    expect(out.writes).toEqual(['ingest: 100 to do\n', 'ingest: 25/100\n', 'ingest: 50/100\n', 'ingest: 75/100\n']);
  });

  it('counts up when the total is unknown: in place on a terminal, a line per step elsewhere', () => {
    const tty = stream(true);
    const bar = createProgress('ingest hf', null, tty);
    bar.advance(50);
    bar.advance(12);
    expect(tty.writes).toEqual(['\ringest hf: 0 done', '\ringest hf: 50 done', '\ringest hf: 62 done']);

    const log = stream(false);
    const lines = createProgress('ingest hf', null, log);
    lines.advance(50);
    lines.finish();
    expect(log.writes).toEqual(['ingest hf: started\n', 'ingest hf: 50 done\n']);
  });

  it('prints a note on a line of its own and redraws the bar under it', () => {
    const out = stream(true);
    const progress = createProgress('ingest', 4, out);
    progress.advance(1);
    progress.note('HTTP 503; retrying in 1.0 s');
    expect(out.writes.slice(-2)).toEqual(['\r\x1b[2Kingest: HTTP 503; retrying in 1.0 s\n', expect.stringMatching(/^\ringest \[#+-+\] 1\/4$/)]);
  });
});
