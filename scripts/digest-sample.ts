import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/db/connection.js';
import { migrate } from '../src/db/migrate.js';
import { digestEmailProps, type DigestEntry, type DigestViewInput } from '../src/digest/digest-view.js';
import { EmailRenderer, type RenderedEmail } from '../src/mail/email-templates.js';
import { ingestPapers } from '../src/papers/ingest.js';
import { PaperRepository, type StoredPaper } from '../src/papers/paper.repository.js';
import { readSeedPapers } from '../src/papers/sources/seed.source.js';
import { rankPapers } from '../src/ranking/rank.js';
import { parseTopics } from '../src/topics/topic-grammar.js';
import { TopicMatcher } from '../src/topics/topic-matcher.js';

/**
 * The example digest shown in the README: a new install's first digest, with
 * real papers, real matching and ranking, and fixed dates and links, so rebuilding it gives the same bytes
 * and a test can tell when the committed copy is stale.
 */

export const DOCS_DIR = fileURLToPath(new URL('../docs/', import.meta.url));
export const SAMPLE_HTML = `${DOCS_DIR}digest-email.html`;
export const SAMPLE_PNG = `${DOCS_DIR}digest-email.png`;

/**
 * What a new install sends first: only the seed papers are stored, so the
 * cards have no authors, dates or votes (the seed page has none) and, until
 * the arXiv source resolves their ids, link to a search for their title. The
 * README says so under the picture.
 */

export const SAMPLE_TOPICS = ['test-time adaptation', 'knowledge editing', 'LoRA', 'contrastive loss'];
/** The install's first start, the day before its first digest. */
const INGESTED_AT = new Date('2026-11-26T06:00:00Z');
const RANKED_AT = new Date('2026-11-27T07:00:00Z');
const SHOWN = 5;

function sampleEntries(): { entries: DigestEntry[]; more: number } {
  const db = openDatabase(':memory:');
  try {
    migrate(db);
    const repo = new PaperRepository(db);
    ingestPapers(repo, readSeedPapers(), INGESTED_AT);

    const matcher = new TopicMatcher(db);
    const perTopic = parseTopics(SAMPLE_TOPICS).map((topic) => ({ topic, matches: matcher.match(topic) }));
    const seqs = [...new Set(perTopic.flatMap(({ matches }) => matches.map((match) => match.seq)))];
    const papers = new Map<number, StoredPaper>(repo.findBySeqs(seqs).map((paper) => [paper.seq, paper]));
    const ranked = rankPapers(perTopic, papers, RANKED_AT);
    const entries = ranked.slice(0, SHOWN).map(({ paper, topics }) => ({
      paper,
      topics: topics.map((topic) => topic.text),
      terms: matcher.matchedTerms(topics[0]!, paper.seq),
    }));
    return { entries, more: ranked.length - entries.length };
  } finally {
    db.close();
  }
}

export function sampleDigestInput(): DigestViewInput {
  const { entries, more } = sampleEntries();
  return {
    email: 'ada@example.com',
    schedule: 'daily at 08:00 (Europe/London)',
    frequency: 'daily',
    localDate: '2026-11-27',
    entries,
    more,
    links: {
      manage: 'https://paperboy.example/preferences?token=example',
      unsubscribe: 'https://paperboy.example/unsubscribe?token=example',
      view: 'https://paperboy.example/digests/42?token=example',
      feed: 'https://paperboy.example/feeds/example.atom',
    },
  };
}

export async function renderDigestSample(renderer?: EmailRenderer): Promise<RenderedEmail> {
  const emails = renderer ?? (await EmailRenderer.load());
  return emails.render('digest', digestEmailProps(sampleDigestInput()));
}
