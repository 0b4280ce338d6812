import { describe, expect, it } from 'vitest';
import { runCrashDrill } from '../../scripts/crash-drill.js';

const SUBSCRIBERS = 3000;

describe('the crash drill', () => {
  it('kills `paperboy digest` mid-run with SIGKILL, and after a last run every subscriber has exactly one digest', async () => {
    const lines: string[] = [];
    const result = await runCrashDrill({ subscribers: SUBSCRIBERS, rounds: 4, seed: 1, log: (line) => lines.push(line) });
    const report = lines.join('\n');

    // The kills interrupted real work: runs were under way, some digests went out before the last run and some by it.
    expect(result.midRun, report).toBeGreaterThan(0);
    expect(result.rounds.some((round) => round.phase === 'sending'), report).toBe(true);
    expect(result.acceptedBeforeFinal, report).toBeGreaterThan(0);
    expect(result.acceptedByFinal, report).toBeGreaterThan(0);

    expect(result.finalExitCode, report).toBe(0);
    expect(result.tally.lost, report).toEqual([]);
    expect(result.tally.duplicates, report).toEqual([]);
    expect(result.tally.unexpected, report).toBe(0);
    expect(result.ledger, report).toEqual({ sent: SUBSCRIBERS });
    expect(result.ok).toBe(true);
  }, 90_000);
});
