import { describe, expect, it } from 'vitest';
import { RETRY } from '../../src/digest/digest-sender.js';
import { runFaultDrill } from '../../scripts/fault-drill.js';

const SUBSCRIBERS = 300;
const REFUSED = 6;

describe('the fault drill', () => {
  it('gets one digest to every deliverable subscriber through 451s, mid-DATA hang-ups and 550s, within the retry budget', async () => {
    const lines: string[] = [];
    const result = await runFaultDrill({ subscribers: SUBSCRIBERS, refused: REFUSED, seed: 1, log: (line) => lines.push(line) });
    const report = lines.join('\n');

    // Each kind of fault really happened.
    expect(result.injected.tempFailures, report).toBeGreaterThan(0);
    expect(result.injected.drops, report).toBeGreaterThan(0);
    expect(result.injected.refusals, report).toBe(REFUSED);

    expect(result.tally.lost, report).toEqual([]);
    expect(result.tally.duplicates, report).toEqual([]);
    expect(result.gaveUp, report).toEqual([]);
    // Refused addresses are bounced in the ledger and as subscribers, after a single try.
    expect(result.unsuppressed, report).toEqual([]);
    // Nothing failed, and nothing is left pending or sending.
    expect(result.ledger, report).toEqual({ bounced: REFUSED, sent: SUBSCRIBERS - REFUSED });
    expect(result.ticks, report).toBeLessThanOrEqual(result.budgetTicks);
    expect(result.maxAttempts, report).toBeLessThanOrEqual(RETRY.maxAttempts);
    expect(result.errors, report).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
