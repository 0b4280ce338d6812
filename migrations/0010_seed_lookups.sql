-- Seed papers come from a saved page with no arXiv ids. When the arXiv source
-- is on, each is looked up once by its title (see seed-resolver.ts); a paper
-- found there takes its arXiv id, and with it authors, a date and links.
-- One row per seed paper looked up, found or not, so none is asked for twice;
-- `arxiv_id` also lets a later seed ingest land on the renamed row instead of
-- adding the paper again.
CREATE TABLE seed_lookups (
  seed_id      TEXT PRIMARY KEY,
  -- NULL: arXiv has no paper of that title.
  arxiv_id     TEXT,
  looked_up_at TEXT NOT NULL
);
