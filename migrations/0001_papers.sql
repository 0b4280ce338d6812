-- Papers from every source, one row per paper.
-- `id` is the arXiv id without its version, so the same paper from two sources
-- (or in two versions) is one row. Papers without an arXiv id get a stable
-- derived id. `seq` is an explicit INTEGER PRIMARY KEY because the full-text
-- index refers to rows by rowid, and VACUUM may renumber an implicit rowid.
CREATE TABLE papers (
  seq           INTEGER PRIMARY KEY,
  id            TEXT    NOT NULL UNIQUE,
  source        TEXT    NOT NULL CHECK (source IN ('seed', 'hf', 'arxiv')),
  title         TEXT    NOT NULL CHECK (length(title) > 0),
  abstract      TEXT    NOT NULL DEFAULT '',
  -- JSON arrays of strings. FTS5 tokenizes the JSON text, so the brackets and
  -- quotes never reach a match.
  authors       TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(authors)),
  keywords      TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(keywords)),
  categories    TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(categories)),
  -- Times are ISO-8601 UTC text, which sorts in time order.
  published_at  TEXT,
  ingested_at   TEXT    NOT NULL,
  updated_at    TEXT    NOT NULL,
  -- NULL when no source counts votes (arXiv, the seed page).
  upvotes       INTEGER CHECK (upvotes >= 0),
  page_url      TEXT,
  pdf_url       TEXT,
  code_url      TEXT,
  project_url   TEXT,
  thumbnail_url TEXT,
  ai_summary    TEXT,
  withdrawn_at  TEXT
);

-- Digests pick papers ingested since a subscriber's previous digest.
CREATE INDEX papers_ingested_at ON papers (ingested_at);

-- Full-text index over the words a topic can match. External content: the
-- text lives once, in `papers`, and triggers keep the index in step.
CREATE VIRTUAL TABLE papers_fts USING fts5 (
  title, abstract, authors, keywords,
  content = 'papers',
  content_rowid = 'seq',
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER papers_fts_after_insert AFTER INSERT ON papers BEGIN
  INSERT INTO papers_fts (rowid, title, abstract, authors, keywords)
  VALUES (new.seq, new.title, new.abstract, new.authors, new.keywords);
END;

CREATE TRIGGER papers_fts_after_delete AFTER DELETE ON papers BEGIN
  INSERT INTO papers_fts (papers_fts, rowid, title, abstract, authors, keywords)
  VALUES ('delete', old.seq, old.title, old.abstract, old.authors, old.keywords);
END;

-- Only text changes touch the index; an upvote refresh does not.
CREATE TRIGGER papers_fts_after_update AFTER UPDATE OF title, abstract, authors, keywords ON papers BEGIN
  INSERT INTO papers_fts (papers_fts, rowid, title, abstract, authors, keywords)
  VALUES ('delete', old.seq, old.title, old.abstract, old.authors, old.keywords);
  INSERT INTO papers_fts (rowid, title, abstract, authors, keywords)
  VALUES (new.seq, new.title, new.abstract, new.authors, new.keywords);
END;
