/**
 * What the crash and fault drills share: a temporary store full of active
 * subscribers who are all due a digest at the drill's time, papers that
 * match every one of them, and the tally of Message-IDs a relay accepted.
 */
import type { Db } from '../../src/db/connection.js';
import { localTime } from '../../src/digest/local-time.js';
import { emptyPaper, type PaperInput } from '../../src/papers/paper.js';
import { seededRandom } from './random.js';
import type { AcceptedMail } from './smtp-sink.js';
import { createWorld, type SubscriberSpec, type World } from './world.js';

/** When the drills run their digests. */
export const DRILL_NOW = '2026-11-27T12:00:00Z';
export const DRILL_SECRET = 'drill-secret-key-that-is-long-enough-0123456789';

/**
 * Zones from both sides of UTC whose local day at DRILL_NOW has more than
 * three hours left, so a drill that moves its clock through the retry budget
 * (about two and a half hours) never reaches anyone's next digest.
 */
const ZONES = [
  'UTC',
  'Europe/London',
  'Europe/Berlin',
  'Europe/Helsinki',
  'Africa/Lagos',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Shanghai',
  'America/Sao_Paulo',
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
];

/** Every topic has papers that match it, so every subscriber has a digest due. */
const TOPICS = [
  'zebrafish',
  'LoRA',
  'mixture of experts',
  'test-time adaptation',
  'diffusion',
  'graph neural networks',
  'quantization',
  'protein folding',
  'speculative decoding',
  'reward model',
  'retrieval augmented generation',
  'video generation',
  'robot grasping',
  'knowledge editing',
  'contrastive loss',
  'sparse attention',
  'weather forecasting',
  'federated learning',
  'quantum error correction',
  'tokenizer',
];
const PAPERS_PER_TOPIC = 3;
const DAY_MS = 86_400_000;

export interface DrillStore extends World {
  /** Every subscriber's address; each one is due a digest at `now`. */
  emails: string[];
  now: string;
}

function drillPapers(): PaperInput[] {
  return TOPICS.flatMap((topic, t) =>
    Array.from({ length: PAPERS_PER_TOPIC }, (_, k) => ({
      ...emptyPaper(`2611.${String(t * PAPERS_PER_TOPIC + k + 1).padStart(5, '0')}`, 'hf', `${topic}: study ${k + 1} of ${PAPERS_PER_TOPIC}`),
      abstract: `We revisit ${topic} and report what held up across ${k + 2} benchmarks.`,
      authors: ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra'],
      categories: ['cs.LG'],
      publishedAt: '2026-11-25T00:00:00.000Z',
      upvotes: 5 + ((t * 7 + k * 13) % 90),
      pageUrl: `https://example.org/papers/${t}-${k}`,
      pdfUrl: `https://example.org/pdf/${t}-${k}.pdf`,
    })),
  );
}

/**
 * A world (see world.ts) with papers stored the day before `now` and
 * `subscribers` active daily readers with one to three topics each, in
 * varied zones, each with a send hour that has passed at `now`, all
 * subscribed a month before. The same seed gives the same readers.
 */
export function createDrillStore({ subscribers, seed, now = DRILL_NOW }: { subscribers: number; seed: number; now?: string }): DrillStore {
  const at = new Date(now);
  const specs = drillReaders(subscribers, seed, at);
  const world = createWorld({ papers: drillPapers(), papersAt: new Date(at.getTime() - DAY_MS), subscribers: specs });
  return { ...world, emails: specs.map((spec) => spec.email), now: at.toISOString() };
}

/** The readers, drawn in a fixed order from one seeded stream, so the drills' totals never move. */
function drillReaders(count: number, seed: number, at: Date): SubscriberSpec[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const hours = new Map(ZONES.map((zone) => [zone, localTime(at, zone).hour]));
  const subscribedAt = new Date(at.getTime() - 30 * DAY_MS).toISOString();
  return Array.from({ length: count }, (_, i) => {
    const topics = new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(TOPICS)));
    const timezone = pick(ZONES);
    const sendHour = Math.floor(random() * (hours.get(timezone)! + 1));
    return { email: `reader${i}@drill.example`, topics: [...topics], timezone, sendHour, subscribedAt };
  });
}

/** Deliveries by status. */
export function ledgerCounts(db: Db): Record<string, number> {
  const rows = db.prepare<[], { status: string; n: number }>('SELECT status, count(*) AS n FROM deliveries GROUP BY status ORDER BY status').all();
  return Object.fromEntries(rows.map(({ status, n }) => [status, n]));
}

export interface Tally {
  /** Addresses due a digest that no accepted message reached. */
  lost: string[];
  /** Addresses that were sent more than one distinct Message-ID: two different digests. */
  duplicates: Array<{ email: string; messageIds: string[] }>;
  /** Accepted messages that repeated a Message-ID their address already had: resends, which a reader sees as one. */
  resent: number;
  /** Accepted messages for addresses that were not due anything. */
  unexpected: number;
}

/** Counts, per address, the distinct Message-IDs the relay accepted. */
export function tallyMessageIds(accepted: readonly AcceptedMail[], due: Iterable<string>): Tally {
  const expected = new Set(due);
  const ids = new Map<string, Set<string>>();
  let resent = 0;
  let unexpected = 0;
  accepted.forEach(({ envelopeTo, messageId }, n) => {
    for (const email of envelopeTo) {
      if (!expected.has(email)) unexpected += 1;
      let set = ids.get(email);
      if (!set) ids.set(email, (set = new Set()));
      // A message without a Message-ID can never be recognised as a resend.
      const id = messageId ?? `(no Message-ID, message ${n})`;
      if (set.has(id)) resent += 1;
      set.add(id);
    }
  });
  return {
    lost: [...expected].filter((email) => !ids.has(email)),
    duplicates: [...ids].filter(([, set]) => set.size > 1).map(([email, set]) => ({ email, messageIds: [...set] })),
    resent,
    unexpected,
  };
}
