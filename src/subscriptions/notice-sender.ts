import { isAbandoned } from '../db/claims.js';
import type { GroupCommit } from '../db/group-commit.js';
import type { Logger } from '../logger.js';
import type { EmailRenderer } from '../mail/email-templates.js';
import type { Mailer } from '../mail/mailer.js';
import { classifySendError } from '../mail/send-errors.js';
import { isNoticeKind, renderNotice } from './notice-emails.js';
import type { Notice, NoticeRepository } from './notice.repository.js';
import type { SubscriberLinks } from './subscriber-links.js';
import type { SubscriberRepository } from './subscriber.repository.js';

/**
 * Retries after a transient failure wait 30 s, 1, 2, 4 … minutes, never more
 * than 30, and an email is given up after 12 attempts (about four hours): a
 * visitor waiting for a confirmation wants it within minutes, and after
 * hours they have subscribed again or moved on.
 */
export const NOTICE_RETRY = { baseMs: 30_000, capMs: 30 * 60_000, maxAttempts: 12 } as const;

export function noticeRetryDelayMs(attempts: number): number {
  return Math.min(NOTICE_RETRY.capMs, NOTICE_RETRY.baseMs * 2 ** Math.max(0, attempts - 1));
}

export interface NoticeSenderDeps {
  notices: NoticeRepository;
  subscribers: SubscriberRepository;
  links: SubscriberLinks;
  emails: EmailRenderer;
  mailer: Mailer;
  logger: Logger;
  /**
   * The group commit the form's writes go through. The sender's claims and
   * outcomes join it, so while visitors subscribe, the emails they queued
   * go out without two commits of their own each.
   */
  writes: GroupCommit;
  /** This sender's name in the queue's claims ('host/pid'). */
  owner: string;
  clock?: () => Date;
}

/**
 * Sends queued form-triggered emails, one at a time (there are few). Each
 * row is claimed before its hand-off and finished after it, so a crash
 * leaves it in `sending`, to be taken back and sent by the next pass (here
 * or after a restart).
 */
export class NoticeSender {
  private stopping = false;
  private readonly now: () => Date;

  constructor(private readonly deps: NoticeSenderDeps) {
    this.now = deps.clock ?? (() => new Date());
  }

  /** Stops claiming; an email in flight finishes. */
  stop(): void {
    this.stopping = true;
  }

  /**
   * One pass: takes back abandoned claims, then sends every email due now.
   * Stops early when the relay cannot be reached, leaving the rest for the
   * next pass. Must not run twice at once in one process (NoticeQueue sees
   * to it): it takes back this process's own claims as abandoned.
   */
  async sendDue(): Promise<number> {
    const { notices, owner, writes } = this.deps;
    this.recoverClaims();
    let sent = 0;
    while (!this.stopping) {
      const notice = await writes.run(() => notices.claim(owner, this.now().toISOString()));
      if (!notice) break;
      const outcome = await this.deliver(notice);
      if (outcome === 'sent') sent += 1;
      if (outcome === 'relay-down') break;
    }
    return sent;
  }

  private recoverClaims(): void {
    const { notices, owner, logger } = this.deps;
    const now = this.now();
    for (const claim of notices.claims()) {
      if (!isAbandoned(claim, owner, now)) continue;
      const released = notices.releaseAbandoned(claim.owner, now.toISOString());
      if (released > 0) logger.warn({ owner: claim.owner, since: claim.claimedAt, rows: released }, 'took back queued emails a stopped sender had claimed');
    }
  }

  private async deliver(notice: Notice): Promise<'sent' | 'ended' | 'retry' | 'relay-down'> {
    const { notices, subscribers, links, emails, mailer, logger, owner } = this.deps;
    const at = this.now().toISOString();
    const log = { subscriber: notice.subscriberId, notice: notice.id, template: notice.kind, attempt: notice.attempts };
    const subscriber = subscribers.findById(notice.subscriberId);
    if (!isNoticeKind(notice.kind)) {
      notices.finish(notice.id, owner, 'failed', `unknown email kind "${notice.kind}"`, at);
      logger.error(log, 'queued email of an unknown kind; not sent');
      return 'ended';
    }
    // Read now, not when queued: a subscriber who confirmed or left meanwhile gets nothing stale.
    let email;
    try {
      email = subscriber ? renderNotice(notice.kind, subscriber, links, emails) : null;
    } catch (err) {
      // An email that cannot be rendered now never will be; retrying would only repeat the error.
      notices.finish(notice.id, owner, 'failed', `could not render: ${(err as Error).message}`, at);
      logger.error({ ...log, err }, 'queued email could not be rendered');
      return 'ended';
    }
    if (!subscriber || !email) {
      notices.finish(notice.id, owner, 'skipped', `not sent: the subscriber is ${subscriber?.status ?? 'deleted'}`, at);
      logger.info(log, 'queued email no longer fits the subscriber; not sent');
      return 'ended';
    }

    let failure;
    try {
      const result = await mailer.send({ to: subscriber.email, ...email }, this.now());
      const sentAt = this.now().toISOString();
      // The email and the anti-flood mark are recorded together: the window counts emails that went out.
      await this.record(log, () => {
        notices.finish(notice.id, owner, 'sent', null, sentAt);
        subscribers.recordNotice(subscriber.id, sentAt, notice.kind === 'confirm' ? sentAt : null);
      });
      logger.info({ ...log, messageId: result.messageId }, 'email sent');
      return 'sent';
    } catch (err) {
      failure = classifySendError(err);
    }

    const reply = { ...log, code: failure.responseCode, reply: failure.message };
    if (failure.kind === 'refused' || failure.kind === 'deferred') {
      // Our session was refused (login, sender), or the quota is used up: not this email's fault, so not an attempt.
      // It waits a little, so a relay that refuses our login is not asked again at every pass.
      const next = new Date(Date.parse(at) + NOTICE_RETRY.baseMs).toISOString();
      await this.record(log, () => notices.putBack(notice.id, owner, failure.message, next, at));
      if (failure.kind === 'refused') logger.error(reply, "the SMTP relay refused our login or sender; check SMTP_URL's user name and password, and MAIL_FROM");
      else logger.warn(reply, 'the daily send quota (SMTP_DAILY_QUOTA) is used up; the email waits');
      return 'relay-down';
    }
    if (failure.kind !== 'transient' || notice.attempts >= NOTICE_RETRY.maxAttempts) {
      const bounced = failure.kind === 'bounce';
      await this.record(log, () => {
        notices.finish(notice.id, owner, bounced ? 'bounced' : 'failed', failure.message, at);
        // A hard bounce suppresses the address, whichever email met it: no digest goes to a mailbox
        // that does not exist. Posting the form again starts a new opt-in, as for anyone.
        if (bounced) subscribers.transition(subscriber.id, ['pending', 'active'], 'bounced', at);
      });
      logger.error(reply, 'could not send email; giving up');
      return 'ended';
    }
    const next = new Date(Date.parse(at) + noticeRetryDelayMs(notice.attempts)).toISOString();
    await this.record(log, () => notices.retry(notice.id, owner, failure.message, next, at));
    logger.warn({ ...reply, next }, 'could not send email; will retry');
    return failure.connection ? 'relay-down' : 'retry';
  }

  /**
   * Writes an outcome, atomically, in the next shared commit. A write can
   * fail after the relay answered (another process holds the write lock past
   * the busy timeout, or the disk is full); the row then stays claimed, and
   * the next pass takes it back: a sent email may go out twice, a failed one
   * is retried. Neither may end the process.
   */
  private async record(log: Record<string, unknown>, write: () => void): Promise<void> {
    try {
      await this.deps.writes.run(write);
    } catch (err) {
      this.deps.logger.error({ ...log, err }, 'could not record what happened to a queued email; the next pass takes it back');
    }
  }
}
