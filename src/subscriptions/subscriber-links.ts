import type { Subscriber } from './subscriber.js';
import type { TokenPurpose, TokenSigner } from './tokens.js';

export type PagePurpose = Exclude<TokenPurpose, 'view' | 'feed' | 'feedback'>;

/** What a link is signed for: the row it belongs to, at its current version. */
export type LinkSubject = Pick<Subscriber, 'id' | 'tokenVersion' | 'tokenSecret'>;

const PATHS: Record<PagePurpose, string> = { confirm: '/confirm', manage: '/preferences', unsubscribe: '/unsubscribe' };

/** The absolute links in emails and pages, each carrying a token for its one purpose. */
export class SubscriberLinks {
  constructor(
    private readonly publicUrl: string,
    private readonly tokens: TokenSigner,
  ) {}

  token(purpose: TokenPurpose, subscriber: LinkSubject): string {
    return this.tokens.sign(purpose, { subscriberId: subscriber.id, tokenVersion: subscriber.tokenVersion, secret: subscriber.tokenSecret });
  }

  url(purpose: PagePurpose, subscriber: LinkSubject): string {
    return `${this.publicUrl}${PATHS[purpose]}?token=${this.token(purpose, subscriber)}`;
  }

  /**
   * "More like this" or "Less like this" on one paper: a token for feedback
   * on that paper alone. The choice is in the path, so the link needs no `&`
   * (which HTML would have to escape) and opens a page that asks before it
   * records anything.
   */
  feedbackUrl(subscriber: LinkSubject, paperSeq: number, choice: 'more' | 'less'): string {
    return this.feedbackUrlWith(this.feedbackToken(subscriber, paperSeq), paperSeq, choice);
  }

  /** The same, with a token already made by `feedbackToken` for this paper. */
  feedbackUrlWith(token: string, paperSeq: number, choice: 'more' | 'less'): string {
    return `${this.publicUrl}/feedback/${paperSeq}/${choice}?token=${token}`;
  }

  feedbackToken(subscriber: LinkSubject, paperSeq: number): string {
    const claims = { subscriberId: subscriber.id, tokenVersion: subscriber.tokenVersion, secret: subscriber.tokenSecret };
    return this.tokens.sign('feedback', claims, String(paperSeq));
  }

  /** One digest in the browser ("view in browser"). */
  digestUrl(subscriber: LinkSubject, deliveryId: number): string {
    return `${this.publicUrl}/digests/${deliveryId}?token=${this.token('view', subscriber)}`;
  }

  /**
   * The subscriber's private Atom feed. The token sits in the path, not the
   * query: many feed readers drop or mangle a query string, and the address
   * must work as one opaque URL pasted into any of them.
   */
  feedUrl(subscriber: LinkSubject): string {
    return `${this.publicUrl}/feeds/${this.token('feed', subscriber)}.atom`;
  }
}
