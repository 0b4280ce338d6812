import { DIGEST_MAX_PAPERS_LIMIT } from '../../src/config.js';
import { digestEmailProps, type DigestEntry, type DigestViewInput } from '../../src/digest/digest-view.js';
import type { DigestEmailProps } from '../../src/mail/digest-email.js';
import { readSeedPapers } from '../../src/papers/sources/seed.source.js';

const LONG_TOPICS = [
  '"parameter-efficient fine-tuning" of large language models -survey -"position paper"',
  'test-time adaptation under distribution shift for vision transformers',
  'mixture of experts routing and load balancing at scale',
  'retrieval augmented generation with long context windows',
];

/**
 * The biggest digest the settings allow: DIGEST_MAX_PAPERS_LIMIT papers with
 * the longest real abstracts (the seed papers', with their titles), each with every field a card
 * can show at its longest: many authors, votes, every link, matched terms,
 * long topics and others that matched too, and the full footer.
 */
export function largestDigestInput(frequency: DigestViewInput['frequency'] = 'daily'): DigestViewInput {
  const seeds = readSeedPapers().sort((a, b) => b.abstract.length - a.abstract.length);
  const entries: DigestEntry[] = Array.from({ length: DIGEST_MAX_PAPERS_LIMIT }, (_, i) => {
    const seed = seeds[i % seeds.length]!;
    const id = `2503.${String(10_000 + i)}`;
    const words = seed.abstract.toLowerCase().match(/\p{L}{6,}/gu) ?? [];
    return {
      paper: {
        ...seed,
        id,
        source: 'hf',
        seq: i + 1,
        authors: ['Alexandra Konstantinopoulou-Smith', 'Maximilian Oberhausen-Liebermann', 'Xiaoyu Zhang', 'Ada Lovelace'],
        publishedAt: '2025-03-14T17:59:59.000Z',
        upvotes: 12_345,
        pageUrl: `https://huggingface.co/papers/${id}`,
        pdfUrl: `https://arxiv.org/pdf/${id}`,
        codeUrl: `https://github.com/some-research-organisation/${id}-official-implementation`,
        projectUrl: `https://some-research-organisation.github.io/projects/${id}/`,
        ingestedAt: '2025-03-15T00:00:00.000Z',
        updatedAt: '2025-03-15T00:00:00.000Z',
      },
      topics: [LONG_TOPICS[i % LONG_TOPICS.length]!, ...LONG_TOPICS.filter((_, j) => j !== i % LONG_TOPICS.length)],
      terms: [...new Set(words)].slice(0, 8),
    };
  });
  return {
    email: 'a.very.long.address.for.a.reader@subdomain.university.example.edu',
    schedule: `${frequency} at 08:00 (America/Argentina/ComodRivadavia)`,
    frequency,
    localDate: '2026-11-27',
    entries,
    more: 1234,
    links: {
      manage: `https://paperboy.example.org/preferences?token=${'m'.repeat(120)}`,
      unsubscribe: `https://paperboy.example.org/unsubscribe?token=${'u'.repeat(120)}`,
      view: `https://paperboy.example.org/digests/123456789?token=${'v'.repeat(120)}`,
      feed: `https://paperboy.example.org/feeds/${'f'.repeat(120)}.atom`,
    },
    postalAddress: 'Paperboy Research Mail, 1234 Long Avenue, Suite 5678, Springfield, ST 00000, United States',
  };
}

export const largestDigestProps = (frequency: DigestViewInput['frequency'] = 'daily'): DigestEmailProps => digestEmailProps(largestDigestInput(frequency));
