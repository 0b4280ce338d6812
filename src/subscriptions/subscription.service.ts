import type { GroupCommit } from '../db/group-commit.js';
import type { Logger } from '../logger.js';
import type { NoticeKind, NoticeRepository } from './notice.repository.js';
import { samePreferences, type Preferences, type Subscriber } from './subscriber.js';
import type { SubscriberRepository } from './subscriber.repository.js';
import type { SubscribeInput } from './subscription.schema.js';
import type { TokenPurpose, TokenSigner } from './tokens.js';

/** How long a confirmation link works after the last confirmation email. */
export const CONFIRM_TTL_DAYS = 7;

/**
 * The least time between two emails the public form can trigger for one
 * address, so the form cannot be used to flood someone's inbox.
 */
export const NOTICE_INTERVAL_MS = 2 * 60_000;

/**
 * The most emails the public form and links can cause one address in a day,
 * counting those waiting to go: enough for a visitor who fixes a typo, asks
 * for a manage link and subscribes again, and far short of a flood from
 * someone who posts another person's address from many IPs.
 */
export const NOTICE_DAILY_LIMIT = 6;

const DAY_MS = 24 * 60 * 60_000;

/**
 * What a link's token names. `replaced`: a genuine link of this subscription
 * whose version was raised since, as when its settings changed after the
 * email went out; the page says so rather than calling it invalid.
 */
export type LinkCheck = { kind: 'current' | 'replaced'; subscriber: Subscriber } | { kind: 'invalid' };

/** `ready`: the link would confirm now (what GET /confirm asks about); `confirmed`: it just did. */
export type ConfirmOutcome =
  | { kind: 'ready' | 'confirmed' | 'already-active' | 'inactive' | 'expired' | 'replaced'; subscriber: Subscriber }
  | { kind: 'invalid' };

export interface SubscriptionDeps {
  repo: SubscriberRepository;
  tokens: TokenSigner;
  notices: NoticeRepository;
  /** The form's writes share commits with the requests that arrive beside them. */
  writes: GroupCommit;
  /** Sends what `notices` holds; kicked after each email is queued. */
  queue: { kick(): void; drain(): Promise<void> };
  logger: Logger;
  clock?: () => Date;
}

/**
 * The subscription lifecycle: subscribe, double opt-in, preferences,
 * unsubscribe and erasure. Emails the visitor triggers are queued in the
 * same transaction as the change that caused them and sent by the notice
 * queue, so the answer to the form never depends on who is subscribed, and
 * an answer that says an email is coming is kept even across a crash.
 */
export class SubscriptionService {
  private readonly now: () => Date;
  /** Where notify puts its log lines and queue kick while a shared commit is open, to run once it commits. */
  private deferred: Array<() => void> | null = null;

  constructor(private readonly deps: SubscriptionDeps) {
    this.now = deps.clock ?? (() => new Date());
  }

  /**
   * Handles a subscribe form. It returns nothing on purpose: a new, pending
   * and active address get the same answer.
   *   new or gone       → pending, and a confirmation email
   *   pending           → preferences replaced, confirmation sent again
   *   active            → nothing changed; an "already subscribed" note
   * A confirmation link confirms what its email showed: when the settings of
   * a waiting subscription change, every earlier link is revoked, so only the
   * new email (which shows the new settings) can confirm them.
   * Resolves once the change and its queued email are committed.
   */
  async subscribe(input: SubscribeInput): Promise<void> {
    if (input.isBot) return;
    const now = this.now().toISOString();
    const effects: Array<() => void> = [];
    await this.deps.writes.run(() => this.holdingEffects(effects, () => this.applySubscribe(input, now)));
    for (const effect of effects) effect();
  }

  private applySubscribe(input: SubscribeInput, now: string): void {
    const { repo } = this.deps;
    const known = repo.findByEmail(input.email);
    if (!known) {
      this.sendConfirmation(repo.insertPending(input.email, input.preferences, now));
      return;
    }
    if (known.status === 'active') {
      this.sendAlreadySubscribed(known);
      return;
    }
    // Pending, unsubscribed or bounced: start a fresh double opt-in with what they asked for now.
    // The same settings posted again by a pending address keep its links: nothing they confirm changed.
    const revoke = known.status !== 'pending' || !samePreferences(known, input.preferences);
    repo.restartOptIn(known.id, input.preferences, now, revoke);
    this.sendConfirmation(repo.findById(known.id)!);
  }

  /**
   * Runs `work` with notify's log lines and queue kicks held in `effects`, to
   * run once the shared commit is done. The group commit may run a piece
   * twice, so only the last run's effects are kept.
   */
  private holdingEffects(effects: Array<() => void>, work: () => void): void {
    effects.length = 0;
    this.deferred = effects;
    try {
      work();
    } finally {
      this.deferred = null;
    }
  }

  /** Sends a pending address its link again; anyone else gets what `subscribe` would send. Same answer for all. */
  resendByEmail(email: string): void {
    const { repo } = this.deps;
    repo.atomically(() => {
      const known = repo.findByEmail(email);
      if (known?.status === 'pending') this.sendConfirmation(known);
      else if (known?.status === 'active') this.sendAlreadySubscribed(known);
    });
  }

  /**
   * Checks a link: the token must be signed for this purpose over the
   * subscriber's own secret. The secret dies with the row, so no link outlives
   * the subscription it was made for.
   */
  checkLink(purpose: TokenPurpose, token: string, scope?: string): LinkCheck {
    const { tokens, repo } = this.deps;
    const named = tokens.read(token);
    const subscriber = named && repo.findById(named.subscriberId);
    if (!named || !subscriber || !tokens.verify(purpose, token, subscriber.tokenSecret, scope)) return { kind: 'invalid' };
    if (named.tokenVersion === subscriber.tokenVersion) return { kind: 'current', subscriber };
    return named.tokenVersion < subscriber.tokenVersion ? { kind: 'replaced', subscriber } : { kind: 'invalid' };
  }

  /** The subscriber a token names, if the token is genuine, for this purpose and still current. */
  fromToken(purpose: TokenPurpose, token: string, scope?: string): Subscriber | null {
    const link = this.checkLink(purpose, token, scope);
    if (link.kind === 'current') return link.subscriber;
    // An unsubscribe link outlives a new token version: it sits in the List-Unsubscribe header of every
    // earlier email, where a mail client's button uses it without showing an error, and it can only stop
    // mail to this very subscription. Erasure still kills it, with the row's secret.
    return link.kind === 'replaced' && purpose === 'unsubscribe' ? link.subscriber : null;
  }

  /**
   * The subscriber a token names only while it is current, for what may turn
   * mail back on: an unsubscribe link from an earlier email stops mail, but the
   * subscription may have been started again since with topics nobody confirmed.
   */
  currentFromToken(purpose: TokenPurpose, token: string): Subscriber | null {
    const link = this.checkLink(purpose, token);
    return link.kind === 'current' ? link.subscriber : null;
  }

  /** What confirming with this token would do, without doing it: a GET must never confirm. */
  checkConfirm(token: string): ConfirmOutcome {
    const link = this.checkLink('confirm', token);
    if (link.kind === 'invalid') return link;
    const { subscriber } = link;
    if (link.kind === 'replaced') return { kind: subscriber.status === 'active' ? 'already-active' : 'replaced', subscriber };
    if (subscriber.status === 'active') return { kind: 'already-active', subscriber };
    if (subscriber.status !== 'pending') return { kind: 'inactive', subscriber };
    if (this.isExpired(subscriber)) return { kind: 'expired', subscriber };
    return { kind: 'ready', subscriber };
  }

  /** Activates a pending subscriber. Repeating it is harmless. */
  confirm(token: string): ConfirmOutcome {
    const outcome = this.checkConfirm(token);
    if (outcome.kind !== 'ready') return outcome;
    const { id } = outcome.subscriber;
    const changed = this.deps.repo.transition(id, ['pending'], 'active', this.now().toISOString());
    return { kind: changed ? 'confirmed' : 'already-active', subscriber: this.deps.repo.findById(id)! };
  }

  /** Sends a new confirmation email for an expired or replaced link. */
  resendConfirmation(subscriber: Subscriber): boolean {
    return subscriber.status === 'pending' && this.sendConfirmation(subscriber);
  }

  /**
   * Emails a manage link to the subscriber's own address, for pages opened by
   * a lesser link, which never show one themselves. The address already holds
   * the power, so nothing passes to whoever clicked.
   */
  sendManageLink(subscriber: Subscriber): void {
    if (subscriber.status === 'bounced') return;
    this.notify(subscriber, 'manage-link');
  }

  /**
   * For a reader whose link broke: emails a manage link to this address if it
   * has a subscription. Nothing tells the asker whether it did.
   */
  sendManageLinkByEmail(email: string): void {
    const known = this.deps.repo.findByEmail(email);
    if (known) this.sendManageLink(known);
  }

  updatePreferences(subscriber: Subscriber, prefs: Preferences): Subscriber {
    this.deps.repo.updatePreferences(subscriber.id, prefs, this.now().toISOString());
    return this.deps.repo.findById(subscriber.id)!;
  }

  /** Stops the digests. Repeating it is harmless; a bounced address stays bounced. */
  unsubscribe(subscriber: Subscriber): Subscriber {
    this.deps.repo.transition(subscriber.id, ['pending', 'active'], 'unsubscribed', this.now().toISOString());
    return this.deps.repo.findById(subscriber.id)!;
  }

  /**
   * Undoes an unsubscribe. An address that was confirmed before is active at
   * once; one that never was goes back through confirmation.
   */
  resubscribe(subscriber: Subscriber): Subscriber {
    const { repo } = this.deps;
    const now = this.now().toISOString();
    return repo.atomically(() => {
      if (subscriber.confirmedAt) {
        repo.transition(subscriber.id, ['unsubscribed'], 'active', now);
      } else if (repo.transition(subscriber.id, ['unsubscribed'], 'pending', now)) {
        this.sendConfirmation(repo.findById(subscriber.id)!);
      }
      return repo.findById(subscriber.id)!;
    });
  }

  /**
   * Deletes the subscriber and, through foreign keys, every row about them
   * (their queued emails too). No version is raised here: the row and its
   * token secret are gone, so every link ever sent to them fails its
   * signature check, and an id is never handed out again (AUTOINCREMENT), so
   * no later row can take it over.
   */
  erase(subscriber: Subscriber): void {
    this.deps.repo.erase(subscriber.id);
    this.deps.logger.info({ subscriber: subscriber.id }, 'subscriber erased their data');
  }

  /** Sends every queued email that is due, and waits for it (nothing once the queue is stopped for shutdown). */
  drain(): Promise<void> {
    return this.deps.queue.drain();
  }

  private isExpired(subscriber: Subscriber): boolean {
    const sent = Date.parse(subscriber.confirmSentAt ?? subscriber.createdAt);
    return this.now().getTime() - sent > CONFIRM_TTL_DAYS * DAY_MS;
  }

  private sendConfirmation(subscriber: Subscriber): boolean {
    return this.notify(subscriber, 'confirm');
  }

  private sendAlreadySubscribed(subscriber: Subscriber): void {
    this.notify(subscriber, 'already-subscribed');
  }

  /**
   * Queues an email, at most one per NOTICE_INTERVAL_MS per address: one
   * asked for within the window goes out when it ends, so a visitor who
   * fixes a typo straight away still gets the email whose link works (their
   * first link was just revoked). The window counts emails that went out,
   * so a failed attempt never blocks the visitor's retry. Past
   * NOTICE_DAILY_LIMIT in a day nothing more is queued. Call it inside the
   * transaction of the change that causes the email; what the email says is
   * worked out when it is sent. False when the daily limit held it back.
   */
  private notify(subscriber: Subscriber, template: NoticeKind): boolean {
    const { notices, queue, logger } = this.deps;
    const now = this.now();
    if (notices.recentFor(subscriber.id, new Date(now.getTime() - DAY_MS).toISOString()) >= NOTICE_DAILY_LIMIT) {
      this.effect(() => logger.warn({ subscriber: subscriber.id, template }, `not sending: this address was sent ${NOTICE_DAILY_LIMIT} emails in the past day`));
      return false;
    }
    const last = subscriber.lastNoticeAt ? Date.parse(subscriber.lastNoticeAt) : 0;
    const due = new Date(Math.max(now.getTime(), last + NOTICE_INTERVAL_MS));
    const queued = notices.enqueue(subscriber.id, template, now.toISOString(), due.toISOString());
    this.effect(() => {
      const when = due > now ? ` for ${due.toISOString()}, when the address may be emailed again` : '';
      logger.info({ subscriber: subscriber.id, template, queued }, `${queued === 'queued' ? 'email queued' : 'email already queued'}${when}`);
      queue.kick();
    });
    return true;
  }

  /** Runs `effect` now, or once the shared commit that is open has committed. */
  private effect(effect: () => void): void {
    if (this.deferred) this.deferred.push(effect);
    else effect();
  }
}
