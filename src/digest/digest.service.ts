import type { Logger } from '../logger.js';
import type { RenderedEmail } from '../mail/email-templates.js';
import type { PaperRepository } from '../papers/paper.repository.js';
import type { Subscriber } from '../subscriptions/subscriber.js';
import type { DueCandidate, SubscriberRepository } from '../subscriptions/subscriber.repository.js';
import type { TopicMatcher } from '../topics/topic-matcher.js';
import type { DeliveryRepository, PlannedDelivery } from './delivery.repository.js';
import { type DigestComposer, draftOf } from './digest-composer.js';
import { type DigestPlanner, type DueSubscriber, RunMatches } from './digest-planner.js';
import type { DigestSender, SendCounts } from './digest-sender.js';
import { digestKey, periodKey } from './digest-key.js';
import { DueCalendar } from './due-time.js';
import { localTime, type LocalTime } from './local-time.js';
import { isAbandoned } from '../db/claims.js';
import { digestReport, type RunHistory } from '../runs/run-history.js';

/** Subscribers read per batch: enough to share work, small enough to keep memory flat. */
export const SUBSCRIBER_BATCH = 500;

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** A candidate's due time moved on, guarded by the time the tick read. */
type DueMove = { id: number; seen: string; next: string };

export interface RunSummary extends SendCounts {
  /** Subscribers whose digest came due in this run. */
  due: number;
  /** Due digests with something to send. */
  planned: number;
  /** Due digests with nothing new that matched: recorded, not sent. */
  skipped: number;
  /** Claims taken back from a runner that died mid-send. */
  recovered: number;
  /** Distinct topics matched. */
  topics: number;
  /** Time spent matching those topics, once each. */
  matchSeconds: number;
  /** Time spent finding who is due and planning their digests, matching included. */
  planSeconds: number;
  seconds: number;
}

/** A digest a dry run would send. */
export interface DryRunEntry {
  email: string;
  digestKey: string;
  papers: number;
  matched: number;
  /** Planned by an earlier run and waiting for its next attempt (after a failure, a crash, a quota), not planned by this one. */
  waiting: boolean;
}

export interface RunOptions {
  now: Date;
  /** Work out what is due and what it would hold; write and send nothing. */
  dryRun?: boolean;
  /** Called once planning is done, with how many digests are ready to send (retries included). */
  onReady?: (ready: number) => void;
  onDelivered?: () => void;
  onDryRun?: (entry: DryRunEntry) => void;
}

export interface DigestServiceDeps {
  subscribers: SubscriberRepository;
  deliveries: DeliveryRepository;
  papers: PaperRepository;
  matcher: TopicMatcher;
  planner: DigestPlanner;
  sender: DigestSender;
  composer: DigestComposer;
  logger: Logger;
  owner: string;
  /** Records every run that writes (dry runs aside) in the run history. */
  history?: RunHistory;
}

/** What `paperboy preview` shows: the digest a subscriber would get now. */
export interface Preview {
  subscriber: Subscriber;
  digestKey: string;
  /** Null when nothing new matches: no email would be sent. */
  email: RenderedEmail | null;
  papers: number;
  matched: number;
}

/**
 * One scheduler tick: take back abandoned claims, plan a digest for every
 * subscriber whose local send time has passed and who has none for the
 * current key, then send what is due, retries included.
 */
export class DigestService {
  private running: Promise<RunSummary> | null = null;

  constructor(private readonly deps: DigestServiceDeps) {}

  /** Runs a tick; a call while one is running waits for that one instead of starting a second. */
  run(options: RunOptions): Promise<RunSummary> {
    if (this.running) return this.running;
    const { history } = this.deps;
    const tick = () => this.tick(options);
    const run = history && !options.dryRun ? history.record('digest', null, tick, digestReport) : tick();
    this.running = run.finally(() => (this.running = null));
    return this.running;
  }

  /** Stops claiming: sends in flight finish, and the run ends early. */
  async stop(): Promise<void> {
    this.deps.sender.stop();
    await this.running?.catch(() => undefined);
  }

  /** The digest a subscriber would get if it were due now, without writing anything. */
  preview(email: string, now: Date): Preview | null {
    const subscriber = this.deps.subscribers.findByEmail(email);
    if (!subscriber) return null;
    const { local, key } = this.nextPeriod(subscriber, now);
    const topics = new Map([[subscriber.id, subscriber.topics]]);
    const [plan] = this.deps.planner.plan([{ subscriber, digestKey: key }], topics, this.newRun(now), { preview: true });
    if (!plan || plan.shown === 0) return { subscriber, digestKey: key, email: null, papers: 0, matched: 0 };
    const draft = { localDate: local.date, content: plan.content, shown: plan.shown, matched: plan.matched, deliveryId: null };
    return { subscriber, digestKey: key, email: this.deps.composer.render(subscriber, draft, 'email'), papers: plan.shown, matched: plan.matched };
  }

  /**
   * The period of the subscriber's next digest: this one, unless its digest
   * is already in the ledger (sent, or planned to be), then the first period
   * after it. Steps a day at a time, so a short day at a clock change cannot
   * land on the same date again.
   */
  private nextPeriod(subscriber: Subscriber, now: Date): { local: LocalTime; key: string } {
    let local = localTime(now, subscriber.timezone);
    const current = periodKey(subscriber.frequency, local);
    const state = this.deps.deliveries.ledgerStates([{ subscriberId: subscriber.id, digestKey: current }]).get(subscriber.id);
    if (!state?.planned) return { local, key: current };
    for (let at = now.getTime(); periodKey(subscriber.frequency, local) === current; ) {
      at += DAY_MS;
      local = localTime(new Date(at), subscriber.timezone);
    }
    return { local, key: periodKey(subscriber.frequency, local) };
  }

  /** The web view of a subscriber's own digest, with every paper it kept; null for anyone else's. */
  view(subscriber: Subscriber, deliveryId: number): RenderedEmail | null {
    const delivery = this.deps.deliveries.findForSubscriber(deliveryId, subscriber.id);
    if (!delivery || delivery.content.papers.length === 0) return null;
    return this.deps.composer.render(subscriber, draftOf(delivery, subscriber.timezone), 'web');
  }

  private newRun(now: Date): RunMatches {
    const { matcher, papers, logger } = this.deps;
    return new RunMatches(matcher, papers, logger, now, papers.maxSeq());
  }

  private async tick(options: RunOptions): Promise<RunSummary> {
    const { deliveries, sender, composer, logger } = this.deps;
    const started = performance.now();
    const { now, dryRun = false } = options;
    const at = now.toISOString();
    composer.reset();

    const recovered = dryRun ? 0 : this.recover(now);
    const planning = await this.planAll(now, options);
    if (dryRun) this.reportWaiting(at, options);

    const ready = deliveries.countReady(at);
    options.onReady?.(dryRun ? planning.planned + ready : ready);
    const counts: SendCounts = dryRun
      ? { sent: 0, retried: 0, failed: 0, bounced: 0, cancelled: 0, relayDown: false, deferred: 0, relayRefusal: null, stopped: false }
      : await sender.sendDue(now, () => options.onDelivered?.());

    const { due, planned } = planning;
    const summary: RunSummary = {
      due,
      planned,
      skipped: due - planned,
      ...counts,
      recovered,
      topics: planning.topics,
      matchSeconds: Number(planning.matchSeconds.toFixed(3)),
      planSeconds: Number(planning.planSeconds.toFixed(3)),
      seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
    };
    logger.info(
      { ...summary, dryRun, now: at },
      `digest run${dryRun ? ' (dry run)' : ''}: ${summary.due} due, ${summary.sent} sent, ${summary.skipped} skipped, ` +
        `${summary.retried} retried, ${summary.bounced} bounced in ${summary.seconds} s`,
    );
    return summary;
  }

  /**
   * Plans every due subscriber and writes the plans (a dry run reports them
   * instead). Its own step, so the run's matches, and the paper vectors the
   * planner keeps with them, are garbage once planning ends: held through
   * the sending, they were memory no email needed.
   *
   * It hands the event loop back after each batch. In the server, planning
   * 100,000 due readers takes about half a minute; requests (a confirmation
   * link, an unsubscribe, the health check) wait for one batch, not for that.
   */
  private async planAll(
    now: Date,
    options: RunOptions,
  ): Promise<{ due: number; planned: number; topics: number; matchSeconds: number; planSeconds: number }> {
    const { deliveries } = this.deps;
    const at = now.toISOString();
    const run = this.newRun(now);
    const started = performance.now();
    let due = 0;
    let planned = 0;
    for (const { plans, moves } of this.plans(run)) {
      due += plans.length;
      planned += plans.filter((plan) => plan.shown > 0).length;
      if (options.dryRun) this.report(plans, options);
      // One transaction: a digest in the ledger and its subscriber's next due time never part.
      else deliveries.atomically(() => {
        deliveries.insertPlans(plans, at);
        this.deps.subscribers.advanceDue(moves);
      });
      // The next batch is read after this, so it sees any change a request made meanwhile.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return { due, planned, topics: run.topicCount, matchSeconds: run.matchSeconds, planSeconds: (performance.now() - started) / 1000 };
  }

  /**
   * Plans in batches of the subscribers whose due time has come, read
   * through the due-time index (a tick with nobody due reads nothing), and
   * yields each batch's plans with the next due time of everyone it read.
   */
  private *plans(run: RunMatches): Generator<{ plans: PlannedDelivery[]; moves: DueMove[] }> {
    const { subscribers, deliveries, planner } = this.deps;
    const clock = this.clocks(run.now);
    const calendar = new DueCalendar(run.now);
    const now = run.now.toISOString();
    for (let after: DueCandidate | null = null; ; ) {
      const batch = subscribers.nextDue(now, after, SUBSCRIBER_BATCH);
      if (batch.length === 0) return;
      after = batch[batch.length - 1]!;
      const due: DueSubscriber[] = [];
      const moves: DueMove[] = [];
      for (const subscriber of batch) {
        const local = clock(subscriber.timezone);
        const key = local && digestKey(subscriber, local);
        if (key) due.push({ subscriber, digestKey: key });
        // Due (planned now or before in this period): next after this key. Not due after all (a time
        // kept from before the index, a clock change): worked out again from the ledger. A zone this
        // runtime does not know: looked at again in an hour rather than at every tick.
        const next = key
          ? calendar.after(subscriber, key)
          : local
            ? calendar.recheck(subscriber, deliveries.lastDigest(subscriber.id))
            : new Date(run.now.getTime() + HOUR_MS).toISOString();
        moves.push({ id: subscriber.id, seen: subscriber.nextDueAt, next });
      }
      const plans = due.length === 0 ? [] : planner.plan(due, subscribers.topicsFor(due.map(({ subscriber }) => subscriber.id)), run);
      yield { plans, moves };
    }
  }

  /** Each zone's wall clock at `now`, read once per tick; null for a zone the runtime does not know. */
  private clocks(now: Date): (timeZone: string) => LocalTime | null {
    const clocks = new Map<string, LocalTime | null>();
    return (timeZone) => {
      if (!clocks.has(timeZone)) {
        try {
          clocks.set(timeZone, localTime(now, timeZone));
        } catch (err) {
          // Zones are checked when saved; one the runtime no longer knows skips its subscribers, not the run.
          this.deps.logger.error({ timeZone, err: (err as Error).message }, 'unknown time zone; its subscribers are skipped');
          clocks.set(timeZone, null);
        }
      }
      return clocks.get(timeZone)!;
    };
  }

  private recover(now: Date): number {
    const { deliveries, logger, owner } = this.deps;
    let recovered = 0;
    for (const claim of deliveries.claims()) {
      if (!isAbandoned(claim, owner, now)) continue;
      // What the relay accepted before the runner died is sent, not in flight: only the rest goes back to the queue.
      const { sent, released } = deliveries.atomically(() => ({
        sent: deliveries.foldAccepted(claim.owner, now.toISOString()),
        released: deliveries.releaseAbandoned(claim.owner, now.toISOString()),
      }));
      recovered += released;
      logger.warn(
        { owner: claim.owner, since: claim.claimedAt, rows: released, accepted: sent },
        'took back digests a stopped runner had claimed; they will be sent with the same Message-ID',
      );
    }
    return recovered;
  }

  private report(plans: readonly PlannedDelivery[], options: RunOptions): void {
    if (!options.onDryRun) return;
    for (const plan of plans) {
      if (plan.shown === 0) continue;
      const subscriber = this.deps.subscribers.findById(plan.subscriberId);
      if (subscriber) options.onDryRun({ email: subscriber.email, digestKey: plan.digestKey, papers: plan.shown, matched: plan.matched, waiting: false });
    }
  }

  /** What a dry run would also send: digests earlier runs planned whose next attempt is due, to readers still subscribed. */
  private reportWaiting(at: string, options: RunOptions): void {
    if (!options.onDryRun) return;
    for (const delivery of this.deps.deliveries.ready(at)) {
      const subscriber = this.deps.subscribers.findById(delivery.subscriberId);
      if (subscriber?.status !== 'active') continue;
      options.onDryRun({ email: subscriber.email, digestKey: delivery.digestKey, papers: delivery.shown, matched: delivery.matched, waiting: true });
    }
  }
}
