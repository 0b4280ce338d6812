import type { Logger } from '../logger.js';
import type { ReturnPaths } from '../mail/return-path.js';
import type { Subscriber } from '../subscriptions/subscriber.js';
import type { SubscriberRepository } from '../subscriptions/subscriber.repository.js';
import type { MailReport } from './mail-report.js';
import type { MailReportRepository, ReportedDelivery, ReportOutcome } from './mail-report.repository.js';

/**
 * Soft bounces for this many delivered digests in a row suppress the address:
 * a mailbox full for three days (or three weeks, for a weekly reader) is not
 * coming back soon, and mailbox providers count mail to dead boxes against
 * the sender.
 */
export const SOFT_BOUNCE_LIMIT = 3;

export interface ReportResult {
  /** False when the provider sent this report before: nothing was done twice. */
  stored: boolean;
  targets: Array<{ email: string | null; subscriberId: number | null; deliveryId: number | null; outcome: ReportOutcome }>;
}

export interface BounceServiceDeps {
  reports: MailReportRepository;
  subscribers: SubscriberRepository;
  /** Null when BOUNCE_DOMAIN is unset: no digest carried a VERP address. */
  returnPaths: ReturnPaths | null;
  logger: Logger;
}

interface Target {
  email: string | null;
  subscriber: Subscriber | null;
  delivery: ReportedDelivery | null;
  /** False for an address a mailbox report merely names: anyone can write one. */
  vouched: boolean;
}

/**
 * Sources whose word on an address alone is taken: SES and Postmark reach
 * us signed or with the webhook's credentials. A message in the bounce
 * mailbox can come from anyone who knows the address (UNSUBSCRIBE_MAILBOX is
 * in every digest's headers), so it acts only through a signed VERP address
 * or our own keyed Message-ID.
 */
const VOUCHES_FOR_ADDRESSES: Readonly<Record<MailReport['source'], boolean>> = { ses: true, postmark: true, mailbox: false };

/**
 * Acts on bounces and complaints, whatever route they came by. A hard bounce
 * or a complaint stops mail to the address at once (the digest sender skips
 * anyone not active); soft bounces are counted per digest. Every report is
 * stored, with what it did, in the same transaction as the change it made.
 */
export class BounceService {
  constructor(private readonly deps: BounceServiceDeps) {}

  record(report: MailReport, now: Date): ReportResult {
    const { reports, logger } = this.deps;
    const at = now.toISOString();
    const result = reports.atomically((): ReportResult => {
      const targets = this.targets(report, report.at ?? at);
      const done: ReportResult['targets'] = [];
      for (const target of targets) {
        const email = target.subscriber?.email.toLowerCase() ?? target.email;
        const id = reports.insert({
          source: report.source,
          sourceId: report.sourceId,
          kind: report.kind,
          email,
          subscriberId: target.subscriber?.id ?? null,
          deliveryId: target.delivery?.id ?? null,
          detail: report.detail,
          outcome: 'ignored',
          raw: report.raw,
          receivedAt: at,
        });
        if (id === null) return { stored: false, targets: [] };
        const outcome = this.act(report, target, at);
        reports.setOutcome(id, outcome);
        done.push({ email, subscriberId: target.subscriber?.id ?? null, deliveryId: target.delivery?.id ?? null, outcome });
      }
      return { stored: true, targets: done };
    });
    for (const target of result.targets) {
      const fields = { source: report.source, kind: report.kind, ...target, detail: report.detail };
      if (target.outcome === 'suppressed') logger.warn(fields, 'mail report: the address gets no more mail');
      else if (target.outcome === 'unverified') {
        logger.warn(fields, 'mail report names a subscriber by address alone (no signed return path or Message-ID of ours); stored, nothing done');
      } else logger.info(fields, `mail report: ${target.outcome}`);
    }
    if (!result.stored) logger.info({ source: report.source, sourceId: report.sourceId }, 'mail report seen before; nothing done');
    return result;
  }

  /**
   * Who the report is about. A signed VERP address or our Message-ID names
   * the very digest; otherwise each address names its subscriber, and the
   * report is taken to be about the last digest sent to them before it, but
   * is acted on only when its source vouches for the address.
   */
  private targets(report: MailReport, before: string): Target[] {
    const { reports, subscribers, returnPaths } = this.deps;
    let delivery: ReportedDelivery | null = null;
    for (const address of report.returnPaths) {
      const id = returnPaths?.deliveryOf(address) ?? null;
      if (id !== null && (delivery = reports.findDelivery(id))) break;
    }
    if (!delivery && report.messageId) delivery = reports.findDeliveryByMessageId(report.messageId);
    if (delivery) {
      return [{ email: null, subscriber: subscribers.findById(delivery.subscriberId), delivery, vouched: true }];
    }
    const emails = [...new Set(report.recipients)];
    const vouched = VOUCHES_FOR_ADDRESSES[report.source];
    if (emails.length === 0) return [{ email: null, subscriber: null, delivery: null, vouched }];
    return emails.map((email) => {
      const subscriber = subscribers.findByEmail(email);
      return { email, subscriber, delivery: subscriber && vouched ? reports.latestSentTo(subscriber.id, before) : null, vouched };
    });
  }

  private act(report: MailReport, { subscriber, delivery, vouched }: Target, at: string): ReportOutcome {
    const { reports, subscribers } = this.deps;
    if (report.kind === 'other') return 'ignored';
    if (!subscriber) return 'unmatched';
    if (!vouched) return 'unverified';
    switch (report.kind) {
      case 'hard-bounce':
        if (delivery) reports.markBounced(delivery.id, `bounced later: ${report.detail}`, at);
        return subscribers.transition(subscriber.id, ['active', 'pending'], 'bounced', at) ? 'suppressed' : 'already-suppressed';
      case 'complaint':
        if (delivery) reports.markComplained(delivery.id, at);
        // A complaint is the reader's "stop": the same state as unsubscribing, which they can undo by subscribing again.
        return subscribers.transition(subscriber.id, ['active', 'pending'], 'unsubscribed', at) ? 'suppressed' : 'already-suppressed';
      case 'soft-bounce': {
        const run = reports.softBounceRun(subscriber.id, SOFT_BOUNCE_LIMIT);
        if (run.length < SOFT_BOUNCE_LIMIT || !run.every(Boolean)) return 'counted';
        if (delivery) reports.markBounced(delivery.id, `soft-bounced ${SOFT_BOUNCE_LIMIT} digests in a row: ${report.detail}`, at);
        return subscribers.transition(subscriber.id, ['active', 'pending'], 'bounced', at) ? 'suppressed' : 'already-suppressed';
      }
    }
  }
}
