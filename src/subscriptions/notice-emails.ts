import type { EmailProps, EmailRenderer, RenderedEmail } from '../mail/email-templates.js';
import type { NoticeKind } from './notice.repository.js';
import { describeSchedule, type Subscriber, type SubscriberStatus } from './subscriber.js';
import type { SubscriberLinks } from './subscriber-links.js';
import { CONFIRM_TTL_DAYS } from './subscription.service.js';

interface NoticeEmail<K extends NoticeKind> {
  /** The subscriber statuses the email still makes sense for; anyone else is skipped. */
  fits: readonly SubscriberStatus[];
  props: (subscriber: Subscriber, links: SubscriberLinks) => EmailProps[K];
}

/*
 * Anyone can post the form for any address, so an email never repeats what
 * an unconfirmed form said beyond the schedule: topics are free text, and
 * echoing them would let a stranger mail their words (or links) to anyone
 * under our name. The page a confirmation link opens lists them instead.
 * Only an active subscription's topics are surely the reader's own: a
 * pending one's were typed by whoever posted the form, and they stay when
 * a complaint or an unsubscribe ends it before anyone confirmed.
 */
const summary = (subscriber: Subscriber) => ({
  email: subscriber.email,
  topics: subscriber.status === 'active' ? subscriber.topics.map((t) => t.text) : [],
  schedule: describeSchedule(subscriber),
});

const topicCount = ({ topics }: Subscriber) => `${topics.length} ${topics.length === 1 ? 'topic' : 'topics'}`;

/**
 * What each queued email says, worked out when it is sent: the links are
 * signed with the subscriber's token version then, and the summary shows
 * their preferences then, so a retry never carries anything superseded.
 */
const NOTICE_EMAILS: { [K in NoticeKind]: NoticeEmail<K> } = {
  confirm: {
    fits: ['pending'],
    props: (subscriber, links) => ({
      ...summary(subscriber),
      topicCount: topicCount(subscriber),
      confirmUrl: links.url('confirm', subscriber),
      expiresInDays: CONFIRM_TTL_DAYS,
    }),
  },
  'already-subscribed': {
    fits: ['active'],
    props: (subscriber, links) => ({
      ...summary(subscriber),
      manageUrl: links.url('manage', subscriber),
      unsubscribeUrl: links.url('unsubscribe', subscriber),
    }),
  },
  // Asked for from a page opened by a lesser link; a bounced address gets nothing more.
  'manage-link': {
    fits: ['pending', 'active', 'unsubscribed'],
    props: (subscriber, links) => ({ ...summary(subscriber), manageUrl: links.url('manage', subscriber) }),
  },
};

export function isNoticeKind(kind: string): kind is NoticeKind {
  return Object.hasOwn(NOTICE_EMAILS, kind);
}

/**
 * The email of `kind` for the subscriber as they are now, or null when their
 * status no longer calls for it (confirmed, left, bounced meanwhile).
 */
export function renderNotice<K extends NoticeKind>(kind: K, subscriber: Subscriber, links: SubscriberLinks, emails: EmailRenderer): RenderedEmail | null {
  const notice = NOTICE_EMAILS[kind] as NoticeEmail<K>;
  if (!notice.fits.includes(subscriber.status)) return null;
  return emails.render(kind, notice.props(subscriber, links));
}
