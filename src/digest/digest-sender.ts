import type { Logger } from '../logger.js';
import type { Mailer } from '../mail/mailer.js';
import { classifySendError, type SendFailure } from '../mail/send-errors.js';
import type { Subscriber } from '../subscriptions/subscriber.js';
import type { SubscriberRepository } from '../subscriptions/subscriber.repository.js';
import type { Delivery, DeliveryRepository } from './delivery.repository.js';
import type { DigestComposer } from './digest-composer.js';

/**
 * Retries after a transient failure wait 1, 2, 4 … minutes, never more than
 * an hour, and a digest is given up after 8 attempts (about three hours),
 * while it is still the day's news.
 */
export const RETRY = { baseMs: 60_000, capMs: 60 * 60_000, maxAttempts: 8 } as const;

/**
 * After this many connection failures in a row with no success between, the
 * relay is taken to be down: the run stops claiming and leaves the rest for
 * the next run, rather than spend an attempt of every digest on it.
 */
const RELAY_DOWN_AFTER = 5;

export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY.capMs, RETRY.baseMs * 2 ** Math.max(0, attempts - 1));
}

export interface SendCounts {
  sent: number;
  /** Transient failures put back in the queue for a later attempt. */
  retried: number;
  failed: number;
  bounced: number;
  /** Claimed digests of subscribers who left after they were planned. */
  cancelled: number;
  /** The run stopped early because the relay could not be reached. */
  relayDown: boolean;
  /** Digests left for a later run because the daily send quota was used up (never dropped). */
  deferred: number;
  /** The relay's answer when it refused our session (login, sender): the run stopped there. Null otherwise. */
  relayRefusal: string | null;
  /** Shutdown stopped the run before it had sent everything due; the rest go out at the next run. */
  stopped: boolean;
}

/**
 * What became of one claimed delivery. `cancelled`, `unrenderable` and
 * `deferred` (over the send quota, handed back without using an attempt)
 * never reached the relay; the others did, and those that failed carry the
 * relay's answer, so the run can tell a dead relay from a bad address.
 */
export type DeliveryOutcome =
  | { kind: 'sent' }
  | { kind: 'cancelled' }
  | { kind: 'unrenderable' }
  | { kind: 'deferred' }
  | { kind: 'refused'; failure: SendFailure }
  | { kind: 'bounced' | 'failed' | 'retried'; failure: SendFailure };

/**
 * The count each outcome adds to; a digest that cannot be rendered has
 * failed for good. The two that end the run without reaching the relay
 * (deferred, refused) are counted where the run stops.
 */
const COUNTED_AS = {
  sent: 'sent',
  cancelled: 'cancelled',
  unrenderable: 'failed',
  bounced: 'bounced',
  failed: 'failed',
  retried: 'retried',
} as const satisfies Record<Exclude<DeliveryOutcome['kind'], 'deferred' | 'refused'>, Exclude<keyof SendCounts, 'relayDown' | 'relayRefusal' | 'stopped'>>;

export interface SenderDeps {
  deliveries: DeliveryRepository;
  subscribers: SubscriberRepository;
  composer: DigestComposer;
  mailer: Mailer;
  logger: Logger;
  /** This runner's name in the ledger's claims. */
  owner: string;
  /** Messages in flight at once; matches the SMTP pool's connections. */
  concurrency: number;
}

/**
 * Hands planned digests to the relay. Each row is claimed (a conditional
 * UPDATE) before its hand-off, so a crash leaves it in `sending`, to be
 * retried with the same Message-ID. Each acceptance is recorded the moment
 * the relay gives it (one small append), and folded into the ledger with
 * the batch: claims, subscriber reads and the `sent` marks go a batch at a
 * time, yet a crash resends only the messages in flight.
 */
export class DigestSender {
  private stopping = false;
  /** Hands the current batch's rows not yet started back to the queue; set while a batch is being sent. */
  private releaseUnstarted: (() => void) | null = null;

  constructor(private readonly deps: SenderDeps) {}

  /**
   * Stops claiming; sends in flight finish. Claimed rows not yet started go
   * back to the queue at once, not after the sends in flight: a shutdown
   * that runs out of time then leaves only those in `sending`.
   */
  stop(): void {
    this.stopping = true;
    this.releaseUnstarted?.();
  }

  async sendDue(now: Date, onDone: (delivery: Delivery) => void = () => {}): Promise<SendCounts> {
    const { deliveries, owner, concurrency } = this.deps;
    const counts: SendCounts = { sent: 0, retried: 0, failed: 0, bounced: 0, cancelled: 0, relayDown: false, deferred: 0, relayRefusal: null, stopped: false };
    const at = now.toISOString();
    let connectionFailures = 0;
    let handoffs = 0;
    let relayDown = false;
    let quotaReached = false;

    while (!this.stopping && !relayDown && !quotaReached) {
      const batch = deliveries.claim(owner, at, concurrency * 4);
      if (batch.length === 0) break;
      const readers = this.deps.subscribers.findByIds(batch.map((delivery) => delivery.subscriberId));
      let next = 0;
      this.releaseUnstarted = () => {
        const unstarted = batch.slice(next).map((delivery) => delivery.id);
        next = batch.length;
        deliveries.unclaim(owner, unstarted, at);
      };
      const worker = async () => {
        while (next < batch.length && !this.stopping && !relayDown && !quotaReached) {
          const delivery = batch[next++]!;
          const outcome = await this.deliver(delivery, readers.get(delivery.subscriberId) ?? null, now);
          if (outcome.kind === 'deferred') {
            quotaReached = true;
            continue;
          }
          if (outcome.kind === 'refused') {
            // Every message would be refused alike: stop, and leave them all as they were for the next run.
            counts.relayRefusal ??= outcome.failure.message;
            relayDown = true;
            continue;
          }
          counts[COUNTED_AS[outcome.kind]] += 1;
          if (outcome.kind !== 'cancelled' && outcome.kind !== 'unrenderable') {
            handoffs += 1;
            connectionFailures = outcome.kind !== 'sent' && outcome.failure.connection ? connectionFailures + 1 : 0;
          }
          if (connectionFailures >= RELAY_DOWN_AFTER) relayDown = true;
          onDone(delivery);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
      deliveries.foldAccepted(owner, at);
      this.releaseUnstarted();
      this.releaseUnstarted = null;
    }
    counts.stopped = this.stopping;
    // Also down when every hand-off of a short run failed to connect.
    counts.relayDown = relayDown || (handoffs > 0 && connectionFailures === handoffs);
    if (counts.relayRefusal !== null) {
      this.deps.logger.error(
        { reply: counts.relayRefusal },
        "the SMTP relay refused our login or sender; check SMTP_URL's user name and password, and MAIL_FROM. The digests wait for the next run",
      );
    } else if (counts.relayDown) {
      this.deps.logger.error({ failures: connectionFailures }, 'the SMTP relay is unreachable; the remaining digests wait for the next run');
    }
    if (quotaReached) {
      counts.deferred = deliveries.countReady(at);
      this.deps.logger.warn({ deferred: counts.deferred }, 'the daily send quota (SMTP_DAILY_QUOTA) is used up; the remaining digests wait for the next run');
    }
    return counts;
  }

  /** One delivery: hands it to the relay and records in the ledger what became of it, `sent` as an acceptance, which the batch folds into the ledger. */
  private async deliver(delivery: Delivery, subscriber: Subscriber | null, now: Date): Promise<DeliveryOutcome> {
    const { deliveries, subscribers, composer, mailer, logger, owner } = this.deps;
    const at = now.toISOString();
    if (!subscriber || subscriber.status !== 'active') {
      deliveries.finish(delivery.id, owner, 'skipped', `not sent: the subscriber is ${subscriber?.status ?? 'deleted'}`, at);
      return { kind: 'cancelled' };
    }
    const log = { subscriber: subscriber.id, delivery: delivery.id, digest: delivery.digestKey, attempt: delivery.attempts };
    let email;
    try {
      email = composer.email(subscriber, delivery);
    } catch (err) {
      // A digest that cannot be rendered now never will be; retrying would only repeat the error.
      deliveries.finish(delivery.id, owner, 'failed', `could not render: ${(err as Error).message}`, at);
      logger.error({ ...log, err }, 'digest could not be rendered');
      return { kind: 'unrenderable' };
    }
    let failure: SendFailure;
    try {
      const sent = await mailer.send(email, now);
      deliveries.accept(delivery.id, at);
      logger.debug({ ...log, messageId: sent.messageId, response: sent.response }, 'digest sent');
      return { kind: 'sent' };
    } catch (err) {
      failure = classifySendError(err);
    }

    if (failure.kind === 'deferred' || failure.kind === 'refused') {
      // Never handed over, so not an attempt: the row goes back as it was and leads the next run's queue.
      deliveries.unclaim(owner, [delivery.id], at);
      return failure.kind === 'deferred' ? { kind: 'deferred' } : { kind: 'refused', failure };
    }
    if (failure.kind === 'bounce') {
      deliveries.atomically(() => {
        deliveries.finish(delivery.id, owner, 'bounced', failure.message, at);
        subscribers.transition(subscriber.id, ['active'], 'bounced', at);
      });
      logger.warn({ ...log, code: failure.responseCode, reply: failure.message }, 'the relay refused the address for good; no more mail goes to it');
      return { kind: 'bounced', failure };
    }
    if (failure.kind === 'invalid' || delivery.attempts >= RETRY.maxAttempts) {
      deliveries.finish(delivery.id, owner, 'failed', failure.message, at);
      logger.error({ ...log, reply: failure.message }, 'digest failed for good');
      return { kind: 'failed', failure };
    }
    const next = new Date(now.getTime() + retryDelayMs(delivery.attempts)).toISOString();
    deliveries.retry(delivery.id, owner, failure.message, next, at);
    logger.warn({ ...log, code: failure.responseCode, reply: failure.message, next }, 'digest not accepted; will retry');
    return { kind: 'retried', failure };
  }
}
