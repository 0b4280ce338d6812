-- A second full-text index over the same columns, without the porter stemmer.
-- Porter folds too much ("generation" and "generalization" share a stem,
-- "contrastive" becomes "contrast"), so topics match on the words as typed,
-- widened only by a light suffix rule in code (see topic-compiler.ts).
CREATE VIRTUAL TABLE papers_exact USING fts5 (
  title, abstract, authors, keywords,
  content = 'papers',
  content_rowid = 'seq',
  tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO papers_exact (papers_exact) VALUES ('rebuild');

CREATE TRIGGER papers_exact_after_insert AFTER INSERT ON papers BEGIN
  INSERT INTO papers_exact (rowid, title, abstract, authors, keywords)
  VALUES (new.seq, new.title, new.abstract, new.authors, new.keywords);
END;

CREATE TRIGGER papers_exact_after_delete AFTER DELETE ON papers BEGIN
  INSERT INTO papers_exact (papers_exact, rowid, title, abstract, authors, keywords)
  VALUES ('delete', old.seq, old.title, old.abstract, old.authors, old.keywords);
END;

CREATE TRIGGER papers_exact_after_update AFTER UPDATE OF title, abstract, authors, keywords ON papers BEGIN
  INSERT INTO papers_exact (papers_exact, rowid, title, abstract, authors, keywords)
  VALUES ('delete', old.seq, old.title, old.abstract, old.authors, old.keywords);
  INSERT INTO papers_exact (rowid, title, abstract, authors, keywords)
  VALUES (new.seq, new.title, new.abstract, new.authors, new.keywords);
END;

-- "long form (ABBR)" definitions found in each paper's title and abstract.
-- One row per paper and definition, so re-ingesting a paper never counts it
-- twice; support for a definition is the number of papers that give it.
CREATE TABLE paper_abbreviations (
  seq       INTEGER NOT NULL REFERENCES papers (seq) ON DELETE CASCADE,
  abbr      TEXT    NOT NULL CHECK (length(abbr) BETWEEN 2 AND 12),
  long_form TEXT    NOT NULL CHECK (length(long_form) BETWEEN 3 AND 120),
  PRIMARY KEY (abbr, long_form, seq)
) WITHOUT ROWID;

CREATE INDEX paper_abbreviations_seq ON paper_abbreviations (seq);

-- Raised on every change to the definitions, so a long-lived matcher knows
-- when its cached expansions are stale without recounting the table.
-- `mined` is 0 until the papers stored before this migration have been mined.
CREATE TABLE abbreviation_state (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL DEFAULT 0,
  mined   INTEGER NOT NULL DEFAULT 0
);
INSERT INTO abbreviation_state (id) VALUES (1);

CREATE TRIGGER paper_abbreviations_after_insert AFTER INSERT ON paper_abbreviations BEGIN
  UPDATE abbreviation_state SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER paper_abbreviations_after_delete AFTER DELETE ON paper_abbreviations BEGIN
  UPDATE abbreviation_state SET version = version + 1 WHERE id = 1;
END;

-- The seed page's papers carry no date of their own; the page is dated
-- 17 March and its newest paper (COSMOS, arXiv 2502) puts that in 2025.
-- Earlier installs stored them undated, which ranked them as brand new.
UPDATE papers SET published_at = '2025-03-17T00:00:00.000Z' WHERE source = 'seed' AND published_at IS NULL;
