import { describe, expect, it } from 'vitest';
import { runCrashDrill } from '../../scripts/crash-drill.js';

const SUBSCRIBERS = 3000;

describe('the crash drill', () => {
  it('kills `paperboy digest` mid-run with SIGKILL, and after a last run every subscriber has exactly one digest, no kill resending more than the pool size', async () => {
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
    // A kill resends at most what was in flight: one message per pooled connection, never a batch of claims.
    expect(result.poolSize).toBe(5);
    for (const round of result.rounds) expect(round.repeats, report).toBeLessThanOrEqual(result.poolSize);
    expect(result.maxRepeatsPerKill, report).toBeLessThanOrEqual(result.poolSize);
    expect(result.ok).toBe(true);
  }, 90_000);
});
