import type { DigestEmailProps, DigestPaperView, DigestSection, DigestTopicCount } from '../mail/digest-email.js';
import { oneLine } from '../text.js';
import { type CardEntry, DIGEST_LIMITS, paperCard, plural, readableTopic, shorten } from './paper-card.js';

export type DigestEntry = CardEntry;

export interface DigestViewInput {
  email: string;
  /** "daily at 08:00 (Europe/Paris)" — from describeSchedule in src/subscriptions/subscriber.ts */
  schedule: string;
  frequency: 'daily' | 'weekly';
  /** The subscriber's local date of this digest, YYYY-MM-DD. */
  localDate: string;
  /** Ranked best first, already capped to what the email shows. Never empty (an empty digest is never sent). */
  entries: DigestEntry[];
  /** How many more papers matched beyond `entries` (0 when none). */
  more: number;
  /** "You may also like": at most two papers outside the topics, after `entries`. */
  also?: DigestEntry[];
  /**
   * All three for the email, which only its addressee receives. The web view
   * is opened by a view-only link that may have been forwarded, so it gets
   * none: no manage or unsubscribe link, and no link to itself. Nor the
   * feed: a forwarded view link shows one digest, while the feed would keep
   * showing the subscriber's papers to whoever it was forwarded to.
   */
  links:
    | { manage: string; unsubscribe: string; view: string | null; feed: string | null }
    | { manage: null; unsubscribe: null; view: null; feed: null };
  /** The sender's postal address for the footer; bulk-sender rules want one in every email. */
  postalAddress?: string | null;
}

// The card's wording lives in paper-card.ts; these stay importable from here, where callers found them before.
export { cardKey, DIGEST_LIMITS, feedbackPlaceholder, fillFeedbackLinks, paperCard, paperFace, paperUrl, safeUrl, shorten, type PaperFace } from './paper-card.js';

/** Topics by how many papers in the email they matched; ties keep the order of the best-ranked paper. */
function topicCounts(entries: readonly DigestEntry[]): DigestTopicCount[] {
  const counts = new Map<string, number>();
  for (const entry of entries) {
    for (const topic of new Set(entry.topics.map(readableTopic).filter(Boolean))) counts.set(topic, (counts.get(topic) ?? 0) + 1);
  }
  return [...counts].map(([topic, papers]) => ({ topic, papers })).sort((a, b) => b.papers - a.papers);
}

/**
 * "3 papers on LoRA, test-time adaptation and 2 more topics": the count and
 * the topics that matched the most papers. Names two topics when they fit,
 * then one, then one cut short. It never says "new": the papers are new to
 * the reader, not necessarily new (the seed papers are years old).
 */
export function digestSubject(paperCount: number, topics: readonly string[]): string {
  const papers = plural(paperCount, 'paper');
  const max = DIGEST_LIMITS.subject;
  const names = topics.map(oneLine).filter(Boolean);
  if (names.length === 0) return `${papers} on your topics`;
  const tail = (shown: number) => (names.length > shown ? ` and ${plural(names.length - shown, 'more topic')}` : '');
  for (const shown of [2, 1]) {
    if (shown > names.length) continue;
    const list = names.slice(0, shown).join(names.length > shown ? ', ' : ' and ');
    const subject = `${papers} on ${list}${tail(shown)}`;
    if (Array.from(subject).length <= max) return subject;
  }
  const room = max - Array.from(`${papers} on ${tail(1)}`).length;
  return `${papers} on ${shorten(names[0]!, Math.max(room, 10))}${tail(1)}`;
}

const DATE_FORMAT = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** "Friday 27 November 2026"; anything that is not a YYYY-MM-DD date is shown as given. */
function longDate(localDate: string): string {
  const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(localDate);
  const date = parts ? new Date(Date.UTC(Number(parts[1]), Number(parts[2]) - 1, Number(parts[3]))) : null;
  return date && !Number.isNaN(date.getTime()) ? DATE_FORMAT.format(date).replace(',', '') : oneLine(localDate);
}

/**
 * A daily digest is one list, best first. A weekly one is long enough to
 * scan by topic: each paper goes under its best-matching topic, and topics
 * come in the order of their best paper.
 */
function sections(frequency: DigestViewInput['frequency'], entries: readonly DigestEntry[], cards: readonly DigestPaperView[]): DigestSection[] {
  if (frequency === 'daily') return [{ heading: null, papers: [...cards] }];
  const groups = new Map<string, DigestPaperView[]>();
  entries.forEach((entry, i) => {
    const topic = readableTopic(entry.topics[0] ?? '');
    groups.set(topic, [...(groups.get(topic) ?? []), cards[i]!]);
  });
  return [...groups].map(([topic, papers]) => ({ heading: `${shorten(topic, DIGEST_LIMITS.topicChip)} (${plural(papers.length, 'paper')})`, papers }));
}

/** Upvotes are named only when some paper has them: the seed papers and arXiv's have none, and then they ranked nothing. */
function rankedBy(entries: readonly DigestEntry[], also: readonly DigestEntry[]): string {
  const voted = entries.some((entry) => (entry.paper.upvotes ?? 0) > 0);
  const how = voted ? 'Ranked by upvotes, freshness and how closely each paper fits your topics' : 'Ranked by how closely each paper fits your topics, and how recent it is';
  const taught = also.length > 0 || entries.some((entry) => entry.like);
  return `${how}${taught ? ', with what you marked more or less like this' : ''}. You never get the same paper twice.`;
}

/** The papers that did not fit. The web view has nowhere further to link, so it only counts them. */
function moreLine(more: number, view: string | null): DigestEmailProps['more'] {
  if (more <= 0) return null;
  return view
    ? { label: `and ${plural(more, 'more matching paper')} →`, url: view }
    : { label: `${plural(more, 'more paper')} matched your topics`, url: null };
}

/**
 * Turns a planned digest into what the digest email shows. Pure: same input,
 * same email. `cardOf` lets a caller that renders many digests reuse the
 * cards of papers it has already worded. The default wraps `paperCard`:
 * handed to `map` bare, it would take the index as its `face`.
 */
export function digestEmailProps(input: DigestViewInput, cardOf: (entry: DigestEntry) => DigestPaperView = (entry) => paperCard(entry)): DigestEmailProps {
  const papers = input.entries.map(cardOf);
  const also = (input.also ?? []).map(cardOf);
  const topics = topicCounts(input.entries);
  const count = papers.length;
  // The top paper's title is cut, never the count after it.
  const rest = count > 1 ? `, and ${plural(count - 1, 'more paper')} on your topics` : '';
  const preheader = shorten(papers[0]?.title ?? '', DIGEST_LIMITS.preheader - rest.length) + rest;
  const { view } = input.links;
  return {
    subject: digestSubject(count, topics.map((t) => t.topic)),
    preheader,
    kicker: `${input.frequency === 'weekly' ? 'Weekly' : 'Daily'} digest · ${longDate(input.localDate)}`,
    heading: `${plural(count, 'paper')} matching your topics`,
    topics: topics.map(({ topic, papers: n }) => ({ topic: shorten(topic, DIGEST_LIMITS.topicChip), papers: n })),
    sections: [...sections(input.frequency, input.entries, papers), ...(also.length > 0 ? [{ heading: 'You may also like', papers: also }] : [])],
    rankedBy: rankedBy(input.entries, input.also ?? []),
    more: moreLine(input.more, view),
    email: oneLine(input.email),
    schedule: oneLine(input.schedule),
    manageUrl: input.links.manage,
    unsubscribeUrl: input.links.unsubscribe,
    viewUrl: view,
    feedUrl: input.links.feed,
    viewOnlyNote: input.links.manage === null ? 'This page is view-only. To change your topics or unsubscribe, use the links in your digest email.' : null,
    postalAddress: input.postalAddress ? oneLine(input.postalAddress) : null,
  };
}
