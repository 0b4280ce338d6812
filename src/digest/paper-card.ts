import type { DigestLink, DigestPaperView } from '../mail/digest-email.js';
import { publicationDate } from '../papers/paper.js';
import type { StoredPaper } from '../papers/paper.repository.js';
import { httpUrl, oneLine } from '../text.js';
import { displayTerms, highlight } from './term-highlight.js';

/** One paper's place in a reader's digest: the paper, and which of their topics matched it. */
export interface CardEntry {
  paper: StoredPaper;
  /** The subscriber's topics (as they typed them) that matched this paper, best first. Never empty. */
  topics: string[];
  /** The paper's words that matched the best topic, lower-cased, as written in the paper (from TopicMatcher.matchedTerms). May be empty. */
  terms: string[];
  /** The title of the paper the reader marked "more like this" that this one is like, when their choices raised it. */
  like?: string | null;
  /** Under "You may also like": outside the reader's topics (`topics` is empty). */
  also?: boolean;
}

/**
 * Lengths in characters. A subject past about 100 is cut off by most inboxes
 * anyway; an abstract of about 280 is three or four lines on a phone, enough
 * to decide whether to open the paper.
 */
export const DIGEST_LIMITS = { subject: 100, preheader: 140, abstract: 280, authors: 3, terms: 5, topicChip: 60, otherTopics: 2 } as const;

const ARXIV_ID = /^\d{4}\.\d{4,5}$/;

export const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/**
 * Cuts text to at most `max` characters at a word boundary, ending with "…".
 * Counts code points, so an emoji is never split into a broken half. A single
 * word longer than half the room is cut inside the word rather than dropped.
 */
export function shorten(text: string, max: number): string {
  // No more UTF-16 units than the room means no more code points either: nothing to count.
  if (text.length <= max) return text;
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

/**
 * A topic as a reader says it: `"mixture of experts" -video` is "mixture of
 * experts". Exclusions, quotes and the `=` of an exact word are syntax for
 * the matcher, not words for the email. Works on any text, valid topic or
 * not, so a stored topic the grammar no longer accepts still reads well.
 */
export function readableTopic(text: string): string {
  const line = oneLine(text);
  const kept = line
    .replace(/(^|\s)-(?:"[^"]*"?|\S+)/gu, ' ')
    .replace(/(^|\s)=(?=\S)/gu, '$1')
    .replace(/"/gu, '')
    .replace(/\s+/gu, ' ')
    .trim();
  return kept || line.replace(/"/gu, '').trim();
}

/** The paper's arXiv id, when its id is one: seed papers that were never resolved have none. */
export const arxivId = (paper: Pick<StoredPaper, 'id'>): string | null => (ARXIV_ID.test(paper.id) ? paper.id : null);

/** The paper's page, else its project page, else its arXiv abstract page when the id is an arXiv id. */
export function paperUrl(paper: Pick<StoredPaper, 'id' | 'pageUrl' | 'projectUrl'>): string | null {
  return safeUrl(paper.pageUrl) ?? safeUrl(paper.projectUrl) ?? abstractPage(paper);
}

const abstractPage = (paper: Pick<StoredPaper, 'id'>) => {
  const id = arxivId(paper);
  return id ? `https://arxiv.org/abs/${id}` : null;
};

/**
 * Where to look for a paper nobody gave a page for (a seed paper whose arXiv
 * id is not known yet): Hugging Face's paper search and arXiv's title search
 * both find a title, so the card still leads to the paper in one tap.
 */
export const hfSearchUrl = (title: string) => `https://huggingface.co/papers?q=${encodeURIComponent(title)}`;
export const arxivSearchUrl = (title: string) => `https://arxiv.org/search/?query=${encodeURIComponent(title)}&searchtype=title`;

export function authorsLine(authors: readonly string[]): string | null {
  const names = authors.map(oneLine).filter(Boolean);
  if (names.length === 0) return null;
  const shown = names.slice(0, DIGEST_LIMITS.authors).join(', ');
  return names.length > DIGEST_LIMITS.authors ? `${shown} et al.` : shown;
}

/** Zero upvotes says nothing a reader can use, so only a paper someone voted for shows a count. */
export const upvotesLine = (upvotes: number | null) => (upvotes ? `▲ ${plural(upvotes, 'upvote')}` : null);

const DAY_FORMAT = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/**
 * "17 Mar 2025". A seed paper's date is the day the saved page showed it, not
 * when the paper came out, so it is not shown as the paper's date.
 */
function paperDate(paper: Pick<StoredPaper, 'publishedAt' | 'source'>): string | null {
  const published = publicationDate(paper);
  if (!published) return null;
  const time = Date.parse(published);
  return Number.isNaN(time) ? null : DAY_FORMAT.format(time);
}

/** Each link once, in the order given: a source that gives the same link as page and code shows it once. */
function uniqueLinks(candidates: ReadonlyArray<readonly [string, string | null]>): DigestLink[] {
  const links: DigestLink[] = [];
  for (const [label, url] of candidates) {
    if (url && !links.some((link) => link.url === url)) links.push({ label, url });
  }
  return links;
}

const readableTopics = (topics: readonly string[]) => [...new Set(topics.map(readableTopic).filter(Boolean))];

/** "Also matched diffusion and LoRA", "Also matched diffusion, LoRA and 2 more": the other topics by name. */
function otherTopicsLine(others: readonly string[]): string | null {
  if (others.length === 0) return null;
  const max = DIGEST_LIMITS.otherTopics;
  const named = others.slice(0, max).map((topic) => shorten(topic, DIGEST_LIMITS.topicChip));
  const rest = others.length - named.length;
  const list = rest > 0 ? `${named.join(', ')} and ${rest} more` : named.length > 1 ? `${named.slice(0, -1).join(', ')} and ${named.at(-1)}` : named[0];
  return `Also matched ${list}`;
}

/**
 * Everything a paper's card depends on: two readers whose entries share this
 * key see the same card, whatever the rest of their digests.
 */
export function cardKey(entry: Pick<CardEntry, 'paper' | 'topics' | 'like' | 'also'>): string {
  // Only the other topics the card names count, and how many it leaves unnamed: readers
  // whose lists differ past that still share one card (and one rendering) in a run.
  const [topic = '', ...others] = readableTopics(entry.topics);
  const named = others.slice(0, DIGEST_LIMITS.otherTopics);
  const personal = entry.like || entry.also ? [entry.like ?? '', entry.also ? 'also' : ''] : [];
  return [entry.paper.seq, topic, ...named, others.length - named.length, ...personal].join('\u0000');
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
function reasonLine(entry: Pick<CardEntry, 'like' | 'also'>): string | null {
  const like = entry.like ? `like “${shorten(oneLine(entry.like), 80)}”, which you marked more like this` : null;
  if (entry.also) return like ? `Outside your topics, ${like}` : 'Outside your topics, picked from what you marked more like this';
  return like ? `${like[0]!.toUpperCase()}${like.slice(1)}` : null;
}

/**
 * What a paper's card shows whoever reads it: title, link, facts, the
 * shortened abstract (not yet highlighted) and the links under it. A run
 * shows the same paper in many cards (one per way readers' topics matched
 * it), so the composer works this out once per paper and builds each card
 * from it.
 */
export interface PaperFace {
  title: string;
  url: string;
  meta: string[];
  /** Shortened to `DIGEST_LIMITS.abstract`; empty when the paper has none. */
  abstract: string;
  links: DigestLink[];
}

export function paperFace(paper: StoredPaper): PaperFace {
  const abstract = (paper.abstract || paper.aiSummary || '').replace(/\s+/gu, ' ').trim();
  const title = oneLine(paper.title);
  const page = safeUrl(paper.pageUrl) ?? abstractPage(paper);
  const id = arxivId(paper);
  const meta = [paperDate(paper), authorsLine(paper.authors), id ? `arXiv:${id}` : null, upvotesLine(paper.upvotes)];
  return {
    title,
    url: page ?? hfSearchUrl(title),
    meta: meta.filter((part): part is string => part !== null),
    abstract: shorten(abstract, DIGEST_LIMITS.abstract),
    links: uniqueLinks([
      page ? ['Paper', page] : ['Find on arXiv', arxivSearchUrl(title)],
      ['PDF', safeUrl(paper.pdfUrl)],
      ['Code', safeUrl(paper.codeUrl)],
      ['Project page', safeUrl(paper.projectUrl)],
    ]),
  };
}

/** A reader's card for a paper; `face` is the paper's part, passed in when it is already known. */
export function paperCard(entry: CardEntry, face: PaperFace = paperFace(entry.paper)): DigestPaperView {
  const { paper } = entry;
  const terms = [...new Set(entry.terms.map(oneLine).filter(Boolean))];
  const [topic = '', ...others] = readableTopics(entry.topics);
  return {
    title: face.title,
    url: face.url,
    meta: face.meta,
    abstract: highlight(face.abstract, terms),
    topic,
    terms: displayTerms(terms).slice(0, DIGEST_LIMITS.terms),
    otherTopics: otherTopicsLine(others),
    links: face.links,
    reason: reasonLine(entry),
    feedback: { more: feedbackPlaceholder(paper.seq, 'more'), less: feedbackPlaceholder(paper.seq, 'less') },
  };
}
