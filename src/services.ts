import type { Db } from './db/connection.js';
import { PaperRepository } from './papers/paper.repository.js';
import { PaperSearch } from './ranking/paper-search.js';
import { TopicMatcher } from './topics/topic-matcher.js';

/** The composition root: every service wired once, for the HTTP app and the CLI alike. */
export function createServices(db: Db) {
  const papers = new PaperRepository(db);
  const matcher = new TopicMatcher(db);
  const search = new PaperSearch(matcher, papers);
  return { db, papers, matcher, search };
}

export type Services = ReturnType<typeof createServices>;
