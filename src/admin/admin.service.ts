import { createHmac, randomBytes } from 'node:crypto';
import type { DeliveryRepository } from '../digest/delivery.repository.js';
import { UserError } from '../errors.js';
import type { RunRepository } from '../runs/run.repository.js';
import type { StatsRepository } from '../stats/stats.repository.js';
import { describeSchedule } from '../subscriptions/subscriber.js';
import type { SubscriberRepository } from '../subscriptions/subscriber.repository.js';
import type { SubscriptionService } from '../subscriptions/subscription.service.js';
import type { AdminRepository } from './admin.repository.js';
import { lastDays, lineChart, seriesOf } from './charts.js';
import type { AdminPassword } from './password.js';

/** How long a login lasts. */
export const SESSION_HOURS = 12;
const CHART_DAYS = 30;

export interface AdminDeps {
  password: AdminPassword;
  repo: AdminRepository;
  stats: StatsRepository;
  runs: RunRepository;
  subscribers: SubscriberRepository;
  subscriptions: SubscriptionService;
  deliveries: DeliveryRepository;
  /** SECRET_KEY: an erased address is kept in the audit log only as a hash keyed with it. */
  secretKey: Buffer;
  clock?: () => Date;
}

/** Who did something: the session (by a short, non-secret tag) and the address it came from. */
export interface Actor {
  session: string;
  ip: string;
}


/** Addresses one subscriber search lists; a longer list is for narrowing, not paging. */
export const SEARCH_LIMIT = 100;

/**
 * What the audit log keeps of an erased address: a hash keyed with
 * SECRET_KEY, so the operator (who has the key) can answer "was this address
 * erased?", while someone holding only the database or a backup cannot test
 * addresses against it, as they could a plain hash.
 */
export function erasedAddressTag(secretKey: Buffer, email: string): string {
  return createHmac('sha256', secretKey).update(`paperboy/erased/${email.toLowerCase()}`).digest('hex').slice(0, 16);
}

/**
 * The operator's console: login, the dashboard's numbers, and the actions an
 * operator takes on subscribers and deliveries. Every action is written to
 * the audit log; changes go through the services and repositories that own
 * the rows, never around them.
 */
export class AdminService {
  private readonly now: () => Date;

  constructor(private readonly deps: AdminDeps) {
    this.now = deps.clock ?? (() => new Date());
  }

  /** What the store keeps of a session token: keyed by the password, so changing it logs everyone out. */
  private hashToken(token: string): string {
    return createHmac('sha256', this.deps.password.sessionKey).update(token).digest('hex');
  }

  /** A new session token when the password is right; null (and an audit entry) when not. */
  async login(password: string, ip: string): Promise<string | null> {
    const ok = await this.deps.password.verify(password);
    const at = this.now();
    if (!ok) {
      this.deps.repo.audit({ at: at.toISOString(), actor: `anonymous from ${ip}`, action: 'login failed', target: null, detail: null });
      return null;
    }
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(at.getTime() + SESSION_HOURS * 3_600_000).toISOString();
    this.deps.repo.createSession(this.hashToken(token), { createdAt: at.toISOString(), expiresAt, ip });
    this.audit(this.actorFor(token, ip), 'login');
    return token;
  }

  /** The actor a session token stands for, or null when it is unknown or expired. */
  session(token: string | undefined, ip: string): Actor | null {
    if (!token) return null;
    return this.deps.repo.findSession(this.hashToken(token), this.now().toISOString()) ? this.actorFor(token, ip) : null;
  }

  logout(token: string, actor: Actor): void {
    this.deps.repo.deleteSessionByHash(this.hashToken(token));
    this.audit(actor, 'logout');
  }

  dashboard() {
    const { stats, runs } = this.deps;
    const now = this.now();
    const days = lastDays(now, CHART_DAYS);
    const since = days[0]!;
    const people = stats.subscriberDaily(since);
    const ledger = stats.deliveryDaily(since);
    const papers = stats.papersDaily(since);
    const byStatus = stats.subscribersByStatus();
    return {
      statuses: Object.entries(byStatus).map(([status, count]) => ({ status, count })),
      subscribers: lineChart('Subscribers per day', days, [
        seriesOf('new', days, people.new),
        seriesOf('confirmed', days, people.confirmed),
        seriesOf('unsubscribed', days, people.unsubscribed),
        seriesOf('bounced', days, people.bounced),
      ]),
      digests: lineChart('Digests per day', days, [
        seriesOf('sent', days, ledger.sent),
        seriesOf('skipped', days, ledger.skipped),
        seriesOf('retried', days, runs.digestDailySum('retried', since)),
        seriesOf('failed', days, ledger.failed),
        seriesOf('bounced', days, ledger.bounced),
      ]),
      papers: lineChart(
        'Papers ingested per source per day',
        days,
        [...papers.keys()].sort().map((source) => seriesOf(source, days, papers.get(source)!)),
      ),
      lastDigest: runs.recent(1, 'digest')[0] ?? null,
      lastIngests: runs.recent(5, 'ingest'),
      topics: stats.topTopics(20),
    };
  }

  /** The first SEARCH_LIMIT subscribers whose address contains `text`, and whether there are more. */
  searchSubscribers(text: string) {
    const found = this.deps.repo.searchSubscribers(text, SEARCH_LIMIT + 1);
    return { results: found.slice(0, SEARCH_LIMIT), more: found.length > SEARCH_LIMIT, limit: SEARCH_LIMIT };
  }

  subscriber(id: number) {
    const subscriber = this.deps.subscribers.findById(id);
    if (!subscriber) throw new UserError(`There is no subscriber ${id}; they may have been erased.`, 404);
    return { subscriber, schedule: describeSchedule(subscriber), deliveries: this.deps.repo.deliveriesFor(id, 20) };
  }

  /** True when the email is queued (to go once two minutes have passed since the last); false when the address had its emails for the day. */
  resendConfirmation(id: number, actor: Actor): boolean {
    const { subscriber } = this.subscriber(id);
    if (subscriber.status !== 'pending') {
      throw new UserError(`Only a subscriber waiting for confirmation can be sent the link again; this one is ${subscriber.status}.`, 409);
    }
    const queued = this.deps.subscriptions.resendConfirmation(subscriber);
    this.audit(actor, queued ? 'resend confirmation' : 'resend confirmation (held back: the daily limit of emails to one address)', `subscriber ${id}`);
    return queued;
  }

  erase(id: number, actor: Actor): string {
    const { subscriber } = this.subscriber(id);
    this.deps.subscriptions.erase(subscriber);
    // The address goes into the audit detail only as a hash: erasing must not leave it behind.
    this.audit(actor, 'erase subscriber', `subscriber ${id}`, `hmac:${erasedAddressTag(this.deps.secretKey, subscriber.email)}`);
    return subscriber.email;
  }

  problems() {
    return { deliveries: this.deps.repo.failedAndBounced(100), suppressions: this.deps.repo.suppressionList(100) };
  }

  retryDelivery(id: number, actor: Actor): void {
    if (!this.deps.deliveries.requeueFailed(id, this.now().toISOString())) {
      throw new UserError(
        `Delivery ${id} cannot be retried: it is not a failed digest (it may have been retried already), or a later digest for this reader has been planned since and offered its papers again, so sending it could repeat them.`,
        409,
      );
    }
    this.audit(actor, 'retry delivery', `delivery ${id}`, null);
  }

  liftSuppression(subscriberId: number, actor: Actor): void {
    if (!this.deps.subscribers.liftSuppression(subscriberId, this.now().toISOString())) {
      throw new UserError(`Subscriber ${subscriberId} is not suppressed (it may have been lifted already).`, 409);
    }
    this.audit(actor, 'lift suppression', `subscriber ${subscriberId}`, null);
  }

  auditLog() {
    return this.deps.repo.auditLog(200);
  }

  private actorFor(token: string, ip: string): Actor {
    return { session: this.hashToken(token).slice(0, 8), ip };
  }

  private audit(actor: Actor, action: string, target: string | null = null, detail: string | null = null): void {
    this.deps.repo.audit({ at: this.now().toISOString(), actor: `admin session ${actor.session} from ${actor.ip}`, action, target, detail });
  }
}
