import { publicationDate } from '../papers/paper.js';
import type { PaperRepository } from '../papers/paper.repository.js';
import { parseTopics } from '../topics/topic-grammar.js';
import type { TopicMatcher } from '../topics/topic-matcher.js';
import { rankPapers } from './rank.js';

/**
 * How many of the most relevant matches per topic go on to ranking. A broad
 * topic ("learning") can match most of the store; votes and freshness only
 * reorder papers that are already among the relevant ones.
 */
export const CANDIDATES_PER_TOPIC = 500;

/** The most results one search returns: `paperboy match --limit` and `GET /api/matches?limit=` alike. */
export const MAX_MATCH_LIMIT = 50;

/** One result of `paperboy match --json` and `GET /api/matches`. */
export interface PaperMatch {
  id: string;
  title: string;
  score: number;
  relevance: number;
  /** The paper's words that matched, lower-cased, as written in the paper. */
  matched: string[];
  /** The topics (as typed) that matched, best first. */
  topics: string[];
  /** How the topics were widened to find this paper: "PEFT → parameter-efficient fine-tuning". */
  expansions: string[];
  authors: string[];
  upvotes: number | null;
  publishedAt: string | null;
  /** When paperboy stored it: the only date a paper from the seed page has. */
  ingestedAt: string;
  url: string | null;
  pdfUrl: string | null;
  codeUrl: string | null;
  projectUrl: string | null;
}

export interface SearchOptions {
  limit: number;
  now?: Date;
}

/**
 * Four significant digits: a paper from last year still scores above zero
 * (freshness halves weekly), so its score must not print as 0.
 */
const round = (value: number) => Number(value.toPrecision(4));

/** Topics in, ranked papers out: what the CLI's `match` and the form's live preview show. */
export class PaperSearch {
  constructor(
    private readonly matcher: TopicMatcher,
    private readonly papers: PaperRepository,
  ) {}

  /** Throws TopicError when a topic does not parse. */
  search(topicsInput: string | readonly string[], { limit, now = new Date() }: SearchOptions): PaperMatch[] {
    const topics = parseTopics(topicsInput);
    const perTopic = topics.map((topic) => ({ topic, matches: this.matcher.match(topic, { limit: CANDIDATES_PER_TOPIC }) }));
    const seqs = [...new Set(perTopic.flatMap(({ matches }) => matches.map((match) => match.seq)))];
    const papers = new Map(this.papers.findBySeqs(seqs).map((paper) => [paper.seq, paper] as const));

    return rankPapers(perTopic, papers, now)
      .slice(0, limit)
      .map(({ paper, score, relevance, topics: matchedTopics }) => ({
        id: paper.id,
        title: paper.title,
        score: round(score),
        relevance: round(relevance),
        matched: [...new Set(matchedTopics.flatMap((topic) => this.matcher.matchedTerms(topic, paper.seq)))],
        topics: matchedTopics.map((topic) => topic.text),
        expansions: [...new Set(matchedTopics.flatMap((topic) => this.matcher.expansionsFor(topic, paper.seq)))],
        authors: paper.authors,
        upvotes: paper.upvotes,
        publishedAt: publicationDate(paper),
        ingestedAt: paper.ingestedAt,
        url: paper.pageUrl ?? paper.projectUrl,
        pdfUrl: paper.pdfUrl,
        codeUrl: paper.codeUrl,
        projectUrl: paper.projectUrl,
      }));
  }
}
