import type { DigestEmailProps, DigestLink, DigestPaperView, DigestTopicCount } from '../mail/digest-email.js';
import type { StoredPaper } from '../papers/paper.repository.js';
import { httpUrl, oneLine } from '../text.js';
import { displayTerms, highlight } from './term-highlight.js';

export interface DigestEntry {
  paper: StoredPaper;
  /** The subscriber's topics (as they typed them) that matched this paper, best first. Never empty. */
  topics: string[];
  /** The paper's words that matched the best topic, lower-cased, as written in the paper (from TopicMatcher.matchedTerms). May be empty. */
  terms: string[];
  /** The title of the paper the reader marked "more like this" that this one is like, when their choices raised it. */
  like?: string | null;
  /** Under "You may also like": outside the reader's topics (`topics` is empty); `first` carries the heading. */
  also?: { first: boolean } | null;
}

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

/**
 * Lengths in characters. A subject past about 100 is cut off by most inboxes
 * anyway; an abstract of about 280 is three or four lines on a phone, enough
 * to decide whether to open the paper.
 */
export const DIGEST_LIMITS = { subject: 100, preheader: 140, abstract: 280, authors: 3, terms: 5, topicChip: 60 } as const;

const ARXIV_ID = /^\d{4}\.\d{4,5}$/;

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/**
 * Cuts text to at most `max` characters at a word boundary, ending with "…".
 * Counts code points, so an emoji is never split into a broken half. A single
 * word longer than half the room is cut inside the word rather than dropped.
 */
export function shorten(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const head = chars.slice(0, max - 1).join('');
  const endsAtWord = /\s/u.test(chars[max - 1] ?? ' ');
  const space = head.lastIndexOf(' ');
  const cut = endsAtWord || space < head.length / 2 ? head : head.slice(0, space);
  return `${cut.replace(/[\s.,;:!?\-–—([{]+$/u, '')}…`;
}

/** Only http(s) links may become an href. */
export const safeUrl = httpUrl;

/** The paper's page, else its project page, else its arXiv abstract page when the id is an arXiv id. */
export function paperUrl(paper: Pick<StoredPaper, 'id' | 'pageUrl' | 'projectUrl'>): string | null {
  return safeUrl(paper.pageUrl) ?? safeUrl(paper.projectUrl) ?? (ARXIV_ID.test(paper.id) ? `https://arxiv.org/abs/${paper.id}` : null);
}

export function authorsLine(authors: readonly string[]): string | null {
  const names = authors.map(oneLine).filter(Boolean);
  if (names.length === 0) return null;
  const shown = names.slice(0, DIGEST_LIMITS.authors).join(', ');
  return names.length > DIGEST_LIMITS.authors ? `${shown} et al.` : shown;
}

const upvotesLine = (upvotes: number | null) => (upvotes === null ? null : `▲ ${plural(upvotes, 'upvote')}`);

/** Topics by how many papers in the email they matched; ties keep the order of the best-ranked paper. */
function topicCounts(entries: readonly DigestEntry[]): DigestTopicCount[] {
  const counts = new Map<string, number>();
  for (const entry of entries) {
    for (const topic of new Set(entry.topics.map(oneLine).filter(Boolean))) counts.set(topic, (counts.get(topic) ?? 0) + 1);
  }
  return [...counts].map(([topic, papers]) => ({ topic, papers })).sort((a, b) => b.papers - a.papers);
}

/**
 * "3 new papers on LoRA, test-time adaptation and 2 more topics": the count
 * and the topics that matched the most papers. Names two topics when they
 * fit, then one, then one cut short.
 */
export function digestSubject(paperCount: number, topics: readonly string[]): string {
  const papers = plural(paperCount, 'new paper');
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

/** A source that gives the same link as page and code (a repository as the project page) shows it once. */
function paperLinks(page: string | null, pdf: string | null, code: string | null): DigestLink[] {
  const links: DigestLink[] = [];
  for (const [label, url] of [['Paper', page], ['PDF', pdf], ['Code', code]] as const) {
    if (url && !links.some((link) => link.url === url)) links.push({ label, url });
  }
  return links;
}

/** How many topics besides the first matched the paper, as the card counts them. */
const otherTopicCount = (topics: readonly string[]) => new Set(topics.map(oneLine).filter(Boolean)).size - 1;

/**
 * Everything a paper's card depends on: two readers whose entries share this
 * key see the same card, whatever their other topics.
 */
export function cardKey(entry: Pick<DigestEntry, 'paper' | 'topics' | 'like' | 'also'>): string {
  const personal = entry.like || entry.also ? `\u0000${entry.like ?? ''}\u0000${entry.also ? Number(entry.also.first) : ''}` : '';
  return `${entry.paper.seq}\u0000${entry.topics[0] ?? ''}\u0000${otherTopicCount(entry.topics)}${personal}`;
}

const FEEDBACK_PLACEHOLDER = 'https://feedback.paperboy.invalid/';

/**
 * What a card carries in place of a reader's feedback link: an address that
 * goes nowhere (`.invalid`), so a card rendered once serves every reader and
 * a link left unfilled by mistake is dead rather than someone else's.
 */
export const feedbackPlaceholder = (seq: number, choice: 'more' | 'less') => `${FEEDBACK_PLACEHOLDER}${seq}/${choice}`;
const PLACEHOLDERS = /https:\/\/feedback\.paperboy\.invalid\/(\d+)\/(more|less)/g;

/** Replaces every feedback placeholder in rendered text with the reader's own link. */
export function fillFeedbackLinks(text: string, urlOf: (seq: number, choice: 'more' | 'less') => string): string {
  return text.replace(PLACEHOLDERS, (_all, seq: string, choice: 'more' | 'less') => urlOf(Number(seq), choice));
}

/** Why a paper is in the digest beyond its topics, as the card says it. */
function reasonLine(entry: Pick<DigestEntry, 'like' | 'also'>): string | null {
  const like = entry.like ? `like “${shorten(oneLine(entry.like), 80)}”, which you marked more like this` : null;
  if (entry.also) return like ? `Outside your topics, ${like}` : 'Outside your topics, picked from what you marked more like this';
  return like ? `${like[0]!.toUpperCase()}${like.slice(1)}` : null;
}

export function paperCard(entry: DigestEntry): DigestPaperView {
  const { paper } = entry;
  const abstract = (paper.abstract || paper.aiSummary || '').replace(/\s+/gu, ' ').trim();
  const terms = [...new Set(entry.terms.map(oneLine).filter(Boolean))];
  const url = paperUrl(paper);
  const others = otherTopicCount(entry.topics);
  return {
    title: oneLine(paper.title),
    url,
    authors: authorsLine(paper.authors),
    upvotes: upvotesLine(paper.upvotes),
    abstract: highlight(shorten(abstract, DIGEST_LIMITS.abstract), terms),
    topic: oneLine(entry.topics[0] ?? ''),
    terms: displayTerms(terms).slice(0, DIGEST_LIMITS.terms),
    otherTopics: others > 0 ? `+${plural(others, 'more topic')}` : null,
    links: paperLinks(url, safeUrl(paper.pdfUrl), safeUrl(paper.codeUrl)),
    reason: reasonLine(entry),
    alsoHeading: entry.also?.first ? 'You may also like' : null,
    feedback: { more: feedbackPlaceholder(paper.seq, 'more'), less: feedbackPlaceholder(paper.seq, 'less') },
  };
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
 * cards of papers it has already worded.
 */
export function digestEmailProps(input: DigestViewInput, cardOf: (entry: DigestEntry) => DigestPaperView = paperCard): DigestEmailProps {
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
    heading: `${plural(count, 'new paper')} on your topics`,
    topics: topics.map(({ topic, papers: n }) => ({ topic: shorten(topic, DIGEST_LIMITS.topicChip), papers: n })),
    papers: also.length > 0 ? [...papers, ...also] : papers,
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
