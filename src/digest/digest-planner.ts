import type { Logger } from '../logger.js';
import type { PaperRepository, StoredPaper } from '../papers/paper.repository.js';
import { topRankedPapers, trendAt, type TopicMatches, type TrendOf } from '../ranking/rank.js';
import type { ActiveSubscriber } from '../subscriptions/subscriber.repository.js';
import type { SubscriberTopic } from '../subscriptions/subscriber.js';
import { parseTopic, type Topic } from '../topics/topic-grammar.js';
import type { TopicMatch, TopicMatcher } from '../topics/topic-matcher.js';
import type { DeliveryRepository, DigestContent, PlannedDelivery } from './delivery.repository.js';
import type { ReaderModel } from '../feedback/feedback.repository.js';
import { alsoLike, likenedTo, rescoreWith } from '../feedback/personal-ranking.js';
import type { ReaderFeedback, RunVectors } from '../feedback/reader-feedback.js';

/** A first digest looks back this far; later ones start where the previous one ended. */
export const FIRST_DIGEST_DAYS = 7;
/** However long a subscriber was away, a digest never reaches further back than this. */
export const MAX_WINDOW_DAYS = 14;
/** Papers a delivery keeps for its web view beyond what the email shows. */
export const KEPT_PAPERS = 50;

const DAY_MS = 86_400_000;

/**
 * The part of a run every subscriber shares: the papers it may use and each
 * distinct topic's matches, computed once. Matching cost therefore grows
 * with the number of distinct topics, not with subscribers.
 */
export class RunMatches {
  /** The highest paper row the run may use; papers stored during the run wait for the next digest. */
  readonly watermark: number;
  private readonly since: string;
  private readonly byKey = new Map<string, { topic: Topic; matches: TopicMatch[] } | null>();
  private readonly papers = new Map<number, StoredPaper>();
  private readonly trends = new Map<number, number>();
  private matchingMs = 0;
  private readonly trendNow: TrendOf;

  constructor(
    private readonly matcher: TopicMatcher,
    private readonly paperRepo: PaperRepository,
    private readonly logger: Logger,
    readonly now: Date,
    watermark: number,
  ) {
    this.watermark = watermark;
    this.trendNow = trendAt(now);
    this.since = new Date(now.getTime() - MAX_WINDOW_DAYS * DAY_MS).toISOString();
  }

  /** How many distinct topics were matched so far. */
  get topicCount(): number {
    return this.byKey.size;
  }

  /** Time spent matching topics and loading the papers they matched, in seconds. */
  get matchSeconds(): number {
    return this.matchingMs / 1000;
  }

  /** The topic's matches in the run's window, or null when the stored topic no longer parses. */
  forTopic({ text, key }: SubscriberTopic): { topic: Topic; matches: TopicMatch[] } | null {
    if (!this.byKey.has(key)) {
      const started = performance.now();
      let entry: { topic: Topic; matches: TopicMatch[] } | null = null;
      try {
        const topic = parseTopic(text);
        entry = { topic, matches: this.matcher.match(topic, { ingestedSince: this.since, maxSeq: this.watermark }) };
        this.load(entry.matches);
      } catch (err) {
        // Topics are checked when saved; one that fails now (a grammar change) is skipped, never fatal to the run.
        this.logger.warn({ topic: key, err: (err as Error).message }, 'a stored topic no longer parses; leaving it out of this run');
      }
      this.byKey.set(key, entry);
      this.matchingMs += performance.now() - started;
    }
    return this.byKey.get(key)!;
  }

  /** A paper's trending factor, worked out once per run. */
  readonly trendOf: TrendOf = (paper) => {
    let trend = this.trends.get(paper.seq);
    if (trend === undefined) this.trends.set(paper.seq, (trend = this.trendNow(paper)));
    return trend;
  };

  paper(seq: number): StoredPaper | undefined {
    return this.papers.get(seq);
  }

  get paperMap(): ReadonlyMap<number, StoredPaper> {
    return this.papers;
  }

  private load(matches: readonly TopicMatch[]): void {
    const missing = matches.map((match) => match.seq).filter((seq) => !this.papers.has(seq));
    for (const paper of this.paperRepo.findBySeqs(missing)) this.papers.set(paper.seq, paper);
  }
}

export interface PlannerDeps {
  deliveries: DeliveryRepository;
  /** The most papers one email shows (DIGEST_MAX_PAPERS). */
  maxPapers: number;
  /** The Message-ID a subscriber's digest for a key carries, on every attempt. */
  messageId(subscriberId: number, digestKey: string): string;
  /** Readers' "more/less like this" models; without it, digests rank by topics and trend alone. */
  feedback?: ReaderFeedback;
}

/** A subscriber whose send time has passed, and the digest they are due. */
export interface DueSubscriber {
  subscriber: ActiveSubscriber;
  digestKey: string;
}

/**
 * Decides what each due subscriber gets: the papers that arrived since their
 * previous digest, matching any of their topics, never sent to them before,
 * ranked and cut to size.
 */
export class DigestPlanner {
  /** Each run's paper vectors, read once per run and only if some reader has a model. */
  private readonly runVectors = new WeakMap<RunMatches, RunVectors>();
  private readonly poolHitsByRun = new WeakMap<RunMatches, { inPool: ReadonlySet<number>; byKey: Map<string, Set<number>> }>();

  constructor(private readonly deps: PlannerDeps) {}

  /**
   * Plans a batch. Subscribers who already have a delivery for the key are
   * left out (unless previewing); one with nothing to read gets a plan with no papers, which the
   * ledger records as skipped.
   */
  plan(
    due: readonly DueSubscriber[],
    topicsOf: ReadonlyMap<number, SubscriberTopic[]>,
    run: RunMatches,
    { preview = false }: { preview?: boolean } = {},
  ): PlannedDelivery[] {
    const { deliveries } = this.deps;
    const states = deliveries.ledgerStates(due.map(({ subscriber, digestKey }) => ({ subscriberId: subscriber.id, digestKey })));
    const open = due
      .map((entry) => ({ ...entry, state: states.get(entry.subscriber.id)! }))
      // A preview shows the next digest even when this key's is already planned or sent.
      .filter(({ state }) => preview || !state.planned);
    if (open.length === 0) return [];

    const firstSince = new Date(run.now.getTime() - FIRST_DIGEST_DAYS * DAY_MS).toISOString();
    const lowest = Math.min(...open.map(({ state }) => (state.watermark ?? 0) + 1));
    const sent = deliveries.sentPapers(open.map(({ subscriber }) => subscriber.id), lowest);
    // One query for the batch; only readers who made choices have a model, and only they are scored.
    const models = this.deps.feedback?.models(open.map(({ subscriber }) => subscriber.id)) ?? new Map<number, ReaderModel>();

    return open.map(({ subscriber, digestKey, state }) => {
      const topics = topicsOf.get(subscriber.id) ?? [];
      const alreadySent = sent.get(subscriber.id);
      // A paper is new to this subscriber if it came after their previous
      // digest (or, before their first, within the first-digest window).
      const isNew =
        state.watermark === null
          ? (seq: number) => (run.paper(seq)?.ingestedAt ?? '') >= firstSince
          : (seq: number) => seq > state.watermark!;
      const perTopic: TopicMatches[] = [];
      // Shared topics are shared objects: this maps each back to the line this subscriber wrote.
      const lineOf = new Map<Topic, number>();
      topics.forEach((line, index) => {
        const shared = run.forTopic(line);
        if (!shared) return;
        lineOf.set(shared.topic, index);
        perTopic.push({ topic: shared.topic, matches: shared.matches.filter(({ seq }) => isNew(seq) && !alreadySent?.has(seq)) });
      });
      const model = models.get(subscriber.id);
      const isUnsent = (seq: number) => (state.watermark === null || seq > state.watermark) && !alreadySent?.has(seq);
      const personal = model ? this.personal(run, model, perTopic, topics, isUnsent) : null;
      const { top: kept, total: matched } = personal ?? topRankedPapers(perTopic, run.paperMap, run.now, KEPT_PAPERS, run.trendOf);
      const extra: Pick<DigestContent, 'likes' | 'also'> = {};
      if (personal?.likes.length) extra.likes = personal.likes;
      if (personal?.also.length) extra.also = personal.also;
      return {
        subscriberId: subscriber.id,
        digestKey,
        messageId: this.deps.messageId(subscriber.id, digestKey),
        content: {
          topics: topics.map((topic) => topic.text),
          papers: kept.map(({ paper, topics: paperTopics }) => [paper.seq, ...paperTopics.map((topic) => lineOf.get(topic)!)]),
          ...extra,
        },
        shown: Math.min(this.deps.maxPapers, kept.length),
        matched,
        watermark: run.watermark,
      };
    });
  }

  /**
   * Which of the run's "You may also like" pool each topic matched, worked
   * out once per topic per run: a set of at most the pool's size, where a set
   * of all a topic's matches would be built again for every reader.
   */
  private poolHits(run: RunMatches, pool: readonly number[]): (line: SubscriberTopic) => ReadonlySet<number> {
    let cache = this.poolHitsByRun.get(run);
    if (!cache) {
      cache = { inPool: new Set(pool), byKey: new Map() };
      this.poolHitsByRun.set(run, cache);
    }
    const { inPool, byKey } = cache;
    return (line) => {
      let hits = byKey.get(line.key);
      if (!hits) {
        hits = new Set((run.forTopic(line)?.matches ?? []).filter(({ seq }) => inPool.has(seq)).map(({ seq }) => seq));
        byKey.set(line.key, hits);
      }
      return hits;
    };
  }

  /**
   * A reader's papers ranked with their model, the papers it raised that are
   * like one they marked, and "You may also like" from the run's pool: only
   * papers no topic of theirs matched, new to them, and only beside a digest
   * that has papers of its own.
   */
  private personal(run: RunMatches, model: ReaderModel, perTopic: readonly TopicMatches[], topics: readonly SubscriberTopic[], isNew: (seq: number) => boolean) {
    const { feedback, maxPapers } = this.deps;
    let vectors = this.runVectors.get(run);
    if (!vectors) {
      vectors = feedback!.forRun(new Date(run.now.getTime() - FIRST_DIGEST_DAYS * DAY_MS).toISOString(), run.watermark);
      this.runVectors.set(run, vectors);
    }
    vectors.load([...perTopic.flatMap(({ matches }) => matches.map(({ seq }) => seq)), ...model.liked]);
    const affinityOf = vectors.affinityOf(model.weights);
    // The model may raise any matched paper into the digest, so every one is scored; only those kept are ranked
    // (what `personalise` would put first, in its order).
    const { top, total } = topRankedPapers(perTopic, run.paperMap, run.now, KEPT_PAPERS, run.trendOf, rescoreWith(affinityOf));
    const likes: Array<[number, number]> = [];
    for (const { paper } of top.slice(0, maxPapers)) {
      const liked = likenedTo(paper.seq, affinityOf(paper.seq), model, vectors.vectorOf);
      if (liked !== null) likes.push([paper.seq, liked]);
    }
    const also: Array<[number, number]> = [];
    if (total > 0) {
      const pool = vectors.pool();
      const hits = this.poolHits(run, pool);
      const inTopics = (seq: number) => topics.some((line) => hits(line).has(seq));
      const candidates = pool.filter((seq) => isNew(seq) && !inTopics(seq));
      for (const { seq } of alsoLike(candidates, model, affinityOf)) also.push([seq, likenedTo(seq, 1, model, vectors.vectorOf) ?? 0]);
    }
    return { top, total, likes, also };
  }
}
