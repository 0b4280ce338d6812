import { createHash } from 'node:crypto';
import { publicationDate } from '../papers/paper.js';
import type { PaperRepository, StoredPaper } from '../papers/paper.repository.js';
import type { Subscriber } from '../subscriptions/subscriber.js';
import type { SubscriberLinks } from '../subscriptions/subscriber-links.js';
import { oneLine } from '../text.js';
import { paperUrl, safeUrl } from './digest-view.js';
import { hfSearchUrl } from './paper-card.js';
import type { FeedRepository } from './feed.repository.js';

/** Entries in a feed: a feed reader keeps what it has seen, so the feed need only hold the recent past. */
export const FEED_ENTRIES = 100;

export interface DigestFeedDeps {
  feeds: FeedRepository;
  papers: PaperRepository;
  links: SubscriberLinks;
  publicUrl: string;
}

/** A subscriber's feed, with what conditional requests compare. */
export interface FeedDocument {
  xml: string;
  /** A strong validator: a hash of the document itself, so any change to it is a new tag. */
  etag: string;
  /** The newest of the entries' digests and of their papers' last changes; the subscriber's start when empty. */
  lastModified: Date;
}

// XML 1.0 cannot carry these at all, escaped or not: a paper's text holding one would make the whole feed unreadable.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/gu;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text or an attribute value from anywhere (paper data above all), safe inside the XML. */
export function xmlText(value: string): string {
  return value.replace(NOT_XML, '').replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
const latest = (dates: readonly string[]) => dates.reduce((max, date) => (date > max ? date : max), '');

/**
 * The Atom 1.0 feed (RFC 4287) of the papers a subscriber's digests carried,
 * newest digest first. Entry ids are `tag:` URIs (RFC 4151) made of the
 * subscriber's row id (already in every token they hold) and the paper's
 * id, so an entry keeps its id whatever changes, and neither ids nor
 * anything else in the feed names the subscriber's address.
 */
export class DigestFeed {
  private readonly authority: string;

  constructor(private readonly deps: DigestFeedDeps) {
    // The year is the tag's "date the name was minted"; fixed, so ids never move.
    this.authority = `tag:${new URL(deps.publicUrl).hostname},2026:paperboy`;
  }

  document(subscriber: Subscriber): FeedDocument {
    const { feeds, papers, links, publicUrl } = this.deps;
    const rows = feeds.latestSent(subscriber.id, FEED_ENTRIES);
    const bySeq = new Map(papers.findBySeqs(rows.map(({ seq }) => seq)).map((paper) => [paper.seq, paper]));
    const entries = rows.flatMap(({ seq, sentAt }) => {
      const paper = bySeq.get(seq);
      return paper ? [{ paper, sentAt }] : [];
    });
    const updated = latest(entries.map(({ sentAt }) => sentAt)) || subscriber.createdAt;
    const lastModified = new Date(latest([updated, ...entries.map(({ paper }) => paper.updatedAt)]));
    const self = links.feedUrl(subscriber);
    const xml = [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<feed xmlns="http://www.w3.org/2005/Atom">',
      `  <id>${xmlText(`${this.authority}:feed:${subscriber.id}`)}</id>`,
      '  <title>Your paperboy digests</title>',
      '  <subtitle>The papers your paperboy digests brought you, newest first.</subtitle>',
      `  <updated>${iso(new Date(updated))}</updated>`,
      `  <link rel="self" type="application/atom+xml" href="${xmlText(self)}"/>`,
      `  <link rel="alternate" type="text/html" href="${xmlText(`${publicUrl}/`)}"/>`,
      '  <author><name>paperboy</name></author>',
      '  <generator>paperboy</generator>',
      ...entries.map(({ paper, sentAt }) => this.entry(subscriber, paper, sentAt)),
      '</feed>',
      '',
    ].join('\n');
    return { xml, etag: `"${createHash('sha256').update(xml).digest('base64url').slice(0, 27)}"`, lastModified };
  }

  /**
   * The summary with "More like this" and "Less like this", as HTML for
   * readers that show an entry's content. Each link holds a token for
   * feedback on this one paper, which opens nothing more than that.
   */
  private feedbackHtml(subscriber: Subscriber, paper: StoredPaper, summary: string): string {
    const { links } = this.deps;
    const a = (choice: 'more' | 'less', label: string) => `<a href="${xmlText(links.feedbackUrl(subscriber, paper.seq, choice))}">${label}</a>`;
    return `${summary ? `<p>${xmlText(summary)}</p>` : ''}<p>${a('more', 'More like this')} · ${a('less', 'Less like this')}</p>`;
  }

  private entry(subscriber: Subscriber, paper: StoredPaper, sentAt: string): string {
    // A seed paper not yet found on arXiv still leads somewhere: the same title search its email card offers.
    const link = paperUrl(paper) ?? safeUrl(paper.pdfUrl) ?? hfSearchUrl(oneLine(paper.title));
    const authors = paper.authors.map(oneLine).filter(Boolean);
    const summary = oneLine(paper.aiSummary ?? '') || oneLine(paper.abstract);
    const published = publicationDate(paper);
    return [
      '  <entry>',
      `    <id>${xmlText(`${this.authority}:feed:${subscriber.id}:paper:${encodeURIComponent(paper.id)}`)}</id>`,
      `    <title type="text">${xmlText(oneLine(paper.title))}</title>`,
      // When it reached this reader: a later fix to the paper's text does not make it new again.
      `    <updated>${iso(new Date(sentAt))}</updated>`,
      ...(published ? [`    <published>${iso(new Date(published))}</published>`] : []),
      ...(link ? [`    <link rel="alternate" type="text/html" href="${xmlText(link)}"/>`] : []),
      ...(safeUrl(paper.pdfUrl) ? [`    <link rel="related" type="application/pdf" href="${xmlText(paper.pdfUrl!)}"/>`] : []),
      // Atom asks every entry for an author; a paper with none listed takes the feed's.
      ...authors.map((name) => `    <author><name>${xmlText(name)}</name></author>`),
      ...paper.categories.map((term) => `    <category term="${xmlText(term)}"/>`),
      ...(summary ? [`    <summary type="text">${xmlText(summary)}</summary>`] : []),
      `    <content type="html">${xmlText(this.feedbackHtml(subscriber, paper, summary))}</content>`,
      '  </entry>',
    ].join('\n');
  }
}
