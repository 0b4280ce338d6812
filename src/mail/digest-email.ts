/**
 * What the digest template needs, already worded and cut to size. The
 * template only places these values; every choice (which link, how long an
 * abstract, what is highlighted) is made in TypeScript, where it is tested.
 *
 * Email templates are strict, so every field is always present: "nothing to
 * show" is `null` or an empty list, never a missing key.
 */

/**
 * A run of text that is or is not a matched term. The template wraps hits in
 * a highlight but still escapes every run, so no markup is ever built from
 * paper text.
 */
export interface TextSegment {
  text: string;
  hit: boolean;
}

/** A link under a paper ("Paper", "PDF", "Code"); `url` is always http(s). */
export interface DigestLink {
  label: string;
  url: string;
}

/**
 * One paper as the email shows it. It is the same for every reader whose
 * topics matched it the same way, so a run builds it once and shares the
 * object; the template renders each shared card's HTML once (the `card`
 * block). Its position in the list therefore is not part of it.
 */
export interface DigestPaperView {
  title: string;
  /**
   * Where the title leads; only ever an http(s) URL. The paper's page, else
   * its arXiv page, else a search for its title, so every card leads somewhere.
   */
  url: string;
  /** What is known of date, authors, arXiv id and upvotes: ["17 Mar 2025", "Ada Lovelace, Alan Turing", "arXiv:2503.01234", "▲ 12 upvotes"]. */
  meta: string[];
  /** The shortened abstract; empty when the paper has none. */
  abstract: TextSegment[];
  /** The subscriber's best-matching topic, in its readable form (no quotes, no exclusions). */
  topic: string;
  /** The paper's words that matched that topic. */
  terms: string[];
  /** "Also matched diffusion and LoRA" when other topics matched too. */
  otherTopics: string | null;
  /** The paper page (or a title search), PDF, code and project page, those that exist, each once. */
  links: DigestLink[];
  /** Why the reader's own choices raised it: "Like “…”, which you marked more like this"; null when they did not. */
  reason: string | null;
  /**
   * "More like this" and "Less like this". The card is shared among readers,
   * so these are placeholders (see `feedbackPlaceholder`) that the composer
   * replaces with each reader's own links.
   */
  feedback: { more: string; less: string };
}

/** Papers under one heading: a weekly digest groups them by topic; a daily one has one group with no heading. */
export interface DigestSection {
  /** "LoRA (3 papers)"; null for the single group of a daily digest. */
  heading: string | null;
  papers: DigestPaperView[];
}

export interface DigestTopicCount {
  topic: string;
  /** How many papers in this email the topic matched. */
  papers: number;
}

export interface DigestEmailProps {
  /** One line, bounded, free of control characters. */
  subject: string;
  /** The line a mail client shows after the subject. */
  preheader: string;
  /** "Daily digest · Friday 27 November 2026" */
  kicker: string;
  /** "5 papers matching your topics" */
  heading: string;
  /** The topics this email covers, most papers first. */
  topics: DigestTopicCount[];
  sections: DigestSection[];
  /** How the papers were ordered; mentions upvotes only when some paper has them. */
  rankedBy: string;
  /** Papers that matched but did not fit; `url` is null in the web view itself. */
  more: { label: string; url: string | null } | null;
  email: string;
  /** "daily at 08:00 (Europe/Paris)" */
  schedule: string;
  /** Null in the web view, which is view-only. */
  manageUrl: string | null;
  /** Null in the web view, which is view-only. */
  unsubscribeUrl: string | null;
  /** Null when rendering the web view itself. */
  viewUrl: string | null;
  /** The subscriber's private Atom feed; null in the web view. */
  feedUrl: string | null;
  /** Shown in the web view in place of the manage and unsubscribe links. */
  viewOnlyNote: string | null;
  /** The sender's postal address, one line; null when none is configured. */
  postalAddress: string | null;
}
