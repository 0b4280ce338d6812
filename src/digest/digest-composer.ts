import type { DigestEmailProps, DigestPaperView } from '../mail/digest-email.js';
import type { EmailRenderer, RenderedEmail } from '../mail/email-templates.js';
import type { OutgoingEmail } from '../mail/mailer.js';
import type { PaperRepository, StoredPaper } from '../papers/paper.repository.js';
import { describeSchedule, type Subscriber } from '../subscriptions/subscriber.js';
import type { SubscriberLinks } from '../subscriptions/subscriber-links.js';
import { parseTopic, type Topic } from '../topics/topic-grammar.js';
import type { TopicMatcher } from '../topics/topic-matcher.js';
import type { Delivery, DigestContent } from './delivery.repository.js';
import { cardKey, digestEmailProps, fillFeedbackLinks, paperCard, paperFace, type DigestEntry, type PaperFace } from './digest-view.js';
import { digestDate } from './digest-key.js';

export interface ComposerDeps {
  papers: PaperRepository;
  matcher: TopicMatcher;
  emails: EmailRenderer;
  links: SubscriberLinks;
  publicUrl: string;
  /** What bulk senders must show; see BulkSenderSettings. */
  bulk?: BulkSenderSettings;
}

/** The settings behind the headers and footer that mailbox providers ask bulk senders for. */
export interface BulkSenderSettings {
  postalAddress: string | null;
  /** Offered as a `mailto:` List-Unsubscribe beside the https link. */
  unsubscribeMailbox: string | null;
  /** The VERP envelope sender of a delivery, or null to keep MAIL_FROM's. */
  returnPath: ((deliveryId: number) => string) | null;
}

const NO_BULK: BulkSenderSettings = { postalAddress: null, unsubscribeMailbox: null, returnPath: null };

/** A delivery, or a preview, to render: the ledger row's content and where it is viewed. */
export interface DigestDraft {
  /** The subscriber's local date of the digest, YYYY-MM-DD. */
  localDate: string;
  content: DigestContent;
  /** How many of the content's papers the email shows. */
  shown: number;
  /** Every paper that matched. */
  matched: number;
  /** The ledger row, which the web view links to; null for a preview never written. */
  deliveryId: number | null;
}

/**
 * A run renders the same few thousand papers for many readers, so the
 * composer keeps papers, their faces (what a card shows whoever reads it),
 * matched words and worded paper cards for the run.
 * Each cache drops its oldest entry when full, which bounds memory whatever
 * the run's size; cards are the largest (their rendered HTML lives as long
 * as they do), so fewer of them are kept.
 */
const MAX_CACHED = 20_000;
const MAX_CARDS = 4_000;

/**
 * Least recently used goes first: a hit moves its entry to the end. Readers'
 * topics follow a Zipf-like law, so a few cards are in most emails; dropping
 * the oldest entry regardless of use (as a plain FIFO would) kept throwing
 * those out and rebuilding them, one highlight query each.
 */
function remember<K, V>(cache: Map<K, V>, key: K, make: () => V, max = MAX_CACHED): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    if (cache.size >= max) cache.delete(cache.keys().next().value!);
  } else {
    cache.delete(key);
  }
  cache.set(key, value);
  return value;
}

/**
 * Turns planned digests into emails: loads the papers, works out which of
 * their words matched, and fills the compiled template. Used for sending, the
 * web view and the CLI preview, so all three show the same digest.
 */
export class DigestComposer {
  private readonly listId: string;
  private readonly feedbackId: string;
  private readonly bulk: BulkSenderSettings;
  private readonly papers = new Map<number, StoredPaper>();
  private readonly terms = new Map<string, string[]>();
  private readonly cards = new Map<string, DigestPaperView>();
  private readonly faces = new Map<number, PaperFace>();

  constructor(private readonly deps: ComposerDeps) {
    const host = new URL(deps.publicUrl).hostname;
    this.listId = `paperboy digest <digest.${host}>`;
    // Gmail's feedback loop reports complaint rates per field, read from the right. The last, the
    // sender's id, must be 5 to 15 characters and never change; a host name is often longer, so it
    // goes in the field before it (without the colons of an IPv6 address, which would split it).
    this.feedbackId = `digest:${host.replaceAll(':', '.')}:paperboy`;
    this.bulk = deps.bulk ?? NO_BULK;
  }

  /** The email for a delivery, with the headers a bulk sender owes its readers (RFC 2369, 2919, 8058, Gmail's Feedback-ID). */
  email(subscriber: Subscriber, delivery: Delivery): OutgoingEmail {
    const unsubscribe = this.deps.links.url('unsubscribe', subscriber);
    const { unsubscribeMailbox, returnPath } = this.bulk;
    // The mailto variant carries the same one-purpose token, so a request sent to the mailbox names its subscriber.
    const mailto = unsubscribeMailbox ? `, <mailto:${unsubscribeMailbox}?subject=unsubscribe%20${this.deps.links.token('unsubscribe', subscriber)}>` : '';
    return {
      to: subscriber.email,
      messageId: delivery.messageId,
      ...this.render(subscriber, draftOf(delivery, subscriber.timezone), 'email', unsubscribe),
      headers: {
        'List-Unsubscribe': `<${unsubscribe}>${mailto}`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'List-Id': this.listId,
        'Feedback-ID': `${subscriber.frequency}:${this.feedbackId}`,
        // For the vacation responders that predate RFC 3834's Auto-Submitted.
        Precedence: 'bulk',
      },
      ...(returnPath ? { returnPath: returnPath(delivery.id) } : {}),
    };
  }

  /**
   * Renders a digest. `email` shows the first `shown` papers and links to the
   * rest; `web` (the view in the browser) shows every paper the digest kept.
   */
  render(
    subscriber: Subscriber,
    draft: DigestDraft,
    as: 'email' | 'web',
    unsubscribe: string = this.deps.links.url('unsubscribe', subscriber),
  ): RenderedEmail {
    const rendered = this.deps.emails.render('digest', this.props(subscriber, draft, as, unsubscribe));
    return this.withFeedbackLinks(rendered, subscriber);
  }

  /**
   * The one place per-reader feedback links enter a digest: cards are shared
   * among readers, so they carry placeholders, replaced here by this
   * reader's links (one HMAC per card shown).
   */
  private withFeedbackLinks(rendered: RenderedEmail, subscriber: Subscriber): RenderedEmail {
    // Both links of a card share one token: one HMAC per card.
    const tokens = new Map<number, string>();
    const urlOf = (seq: number, choice: 'more' | 'less') => {
      let token = tokens.get(seq);
      if (token === undefined) tokens.set(seq, (token = this.deps.links.feedbackToken(subscriber, seq)));
      return this.deps.links.feedbackUrlWith(token, seq, choice);
    };
    return { ...rendered, html: fillFeedbackLinks(rendered.html, urlOf), text: fillFeedbackLinks(rendered.text, urlOf) };
  }

  /** What the digest template is filled with; `render` explains `as`. */
  props(subscriber: Subscriber, draft: DigestDraft, as: 'email' | 'web', unsubscribe: string): DigestEmailProps {
    const kept = as === 'email' ? draft.content.papers.slice(0, draft.shown) : draft.content.papers;
    const { likes = [], also = [] } = draft.content;
    const likeOf = new Map(likes);
    const papers = this.load([...kept.map(([seq]) => seq), ...likes.map(([, liked]) => liked), ...also.flatMap(([seq, liked]) => [seq, liked])]);
    const titleOf = (seq: number | undefined) => (seq === undefined ? null : (papers.get(seq)?.title ?? null));
    const entries: DigestEntry[] = [];
    for (const [seq, ...topicIndexes] of kept) {
      const paper = papers.get(seq);
      if (!paper) continue;
      const topics = topicIndexes.map((index) => draft.content.topics[index]).filter((text): text is string => text !== undefined);
      // Worked out only when the paper's card is not cached: it costs a query.
      const terms = () => (topics.length > 0 ? this.matchedTerms(topics[0]!, paper) : []);
      entries.push({
        paper,
        topics,
        get terms() {
          return terms();
        },
        like: titleOf(likeOf.get(seq)),
      });
    }
    const alsoEntries: DigestEntry[] = also.flatMap(([seq, liked]) => {
      const paper = papers.get(seq);
      return paper ? [{ paper, topics: [], terms: [], like: titleOf(liked), also: true }] : [];
    });
    const { links } = this.deps;
    // The web view is view-only: a forwarded view link must not open anyone's settings, and it does not link to itself.
    const view = as === 'email' && draft.deliveryId !== null ? links.digestUrl(subscriber, draft.deliveryId) : null;
    const footer =
      as === 'email'
        ? { manage: links.url('manage', subscriber), unsubscribe, view, feed: links.feedUrl(subscriber) }
        : { manage: null, unsubscribe: null, view: null, feed: null };
    return digestEmailProps(
      {
        email: subscriber.email,
        schedule: describeSchedule(subscriber),
        frequency: subscriber.frequency,
        localDate: draft.localDate,
        entries,
        also: alsoEntries,
        more: Math.max(0, draft.matched - entries.length),
        links: footer,
        postalAddress: this.bulk.postalAddress,
      },
      (entry) => remember(this.cards, cardKey(entry), () => paperCard(entry, remember(this.faces, entry.paper.seq, () => paperFace(entry.paper))), MAX_CARDS),
    );
  }

  /** Forgets what it cached, which goes stale when papers change (upvotes, a withdrawal); each run starts afresh. */
  reset(): void {
    for (const cache of [this.papers, this.terms, this.cards, this.faces]) cache.clear();
  }

  private load(seqs: readonly number[]): Map<number, StoredPaper> {
    const missing = seqs.filter((seq) => !this.papers.has(seq));
    if (missing.length > 0) {
      for (const paper of this.deps.papers.findBySeqs(missing)) remember(this.papers, paper.seq, () => paper);
    }
    const found = new Map<number, StoredPaper>();
    for (const seq of seqs) {
      const paper = this.papers.get(seq);
      if (paper) found.set(seq, paper);
    }
    return found;
  }

  private matchedTerms(topicText: string, paper: StoredPaper): string[] {
    return remember(this.terms, `${paper.seq}\u0000${topicText}`, () => {
      // A stored topic that no longer parses (the grammar changed) shows without highlights rather than failing the email.
      // The grammar keeps the lines it has parsed, so this parses each topic once.
      const topic = parseOrNull(topicText);
      return topic ? this.deps.matcher.matchedTerms(topic, paper.seq) : [];
    });
  }
}

function parseOrNull(text: string): Topic | null {
  try {
    return parseTopic(text);
  } catch {
    return null;
  }
}

/** A stored delivery as a draft. */
export function draftOf(delivery: Delivery, timeZone: string): DigestDraft {
  const localDate = digestDate(delivery.digestKey, delivery.plannedAt, timeZone);
  return { localDate, content: delivery.content, shown: delivery.shown, matched: delivery.matched, deliveryId: delivery.id };
}
