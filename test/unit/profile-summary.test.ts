import { describe, expect, it } from 'vitest';
import { profileTotals, summarizeProfile, type CpuProfile } from '../../bench/profile-summary.js';

const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 0 }, children });

// root → sender → mailer.send → Buffer native (no script); root → (garbage collector); root → (idle); the matcher's highlight query for a card;
// a card's feedback links → the HMAC of their token (Node's crypto, counted with its caller).
const profile: CpuProfile = {
  nodes: [
    frame(1, '(root)', '', [2, 5, 6, 7, 8]),
    frame(2, 'deliver', 'file:///app/dist/digest/digest-sender.js', [3]),
    frame(3, 'send', 'file:///app/dist/mail/mime.js', [4]),
    frame(4, 'toString', ''),
    frame(5, '(garbage collector)', ''),
    frame(6, '(idle)', ''),
    frame(7, 'matchedTerms', 'file:///app/dist/topics/topic-matcher.js'),
    frame(8, 'fillFeedbackLinks', 'file:///app/dist/digest/paper-card.js', [9]),
    frame(9, 'Hmac', 'node:internal/crypto/hash'),
  ],
  samples: [2, 3, 4, 4, 5, 6, 6, 7, 8, 9],
  timeDeltas: [1000, 1000, 2000, 2000, 3000, 500, 500, 1000, 1000, 1000],
};

describe('the profile summary', () => {
  it("sums self time per stage, a native function counting toward its caller's stage", () => {
    const { totalMs, stages, functions } = profileTotals(profile);
    expect(totalMs).toBe(13);
    expect(Object.fromEntries(stages.map(({ stage, ms }) => [stage, ms]))).toEqual({
      MIME: 5,
      rendering: 2,
      'garbage collection': 3,
      'sending loop': 1,
      'idle (waiting on the sink)': 1,
      'rendering: card highlights (FTS5)': 1,
    });
    expect(functions[0]).toMatchObject({ name: 'toString', where: '(native)', stage: 'MIME', ms: 4 });
  });

  it('gives time per digest, leaving idle time out of the busy figure', () => {
    const text = summarizeProfile(profile, 10);
    expect(text).toMatch(/10 digests, 1\.200 ms busy per digest/);
    expect(text).toMatch(/^MIME +38\.5% +0\.500$/m);
  });
});
