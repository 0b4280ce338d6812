-- "More like this" / "Less like this": what each reader told us, and the
-- small model fitted from it.
--
-- Each paper is represented once, when it is stored, by a sparse tf-idf
-- vector over the words and word pairs of its title and abstract (hashed
-- features; see src/papers/paper-vector.ts). The vector never changes
-- afterwards, so a reader's model stays valid as the store grows.
CREATE TABLE paper_vectors (
  seq    INTEGER PRIMARY KEY REFERENCES papers (seq) ON DELETE CASCADE,
  -- Little-endian pairs of (uint32 feature, float32 weight), L2-normalised.
  vector BLOB    NOT NULL
);

-- Document frequency of each hashed feature, for the idf part of new vectors.
CREATE TABLE vector_features (
  feature INTEGER PRIMARY KEY,
  df      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE vector_state (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  papers INTEGER NOT NULL DEFAULT 0
);
INSERT INTO vector_state (id) VALUES (1);

-- One row per reader and paper: the latest choice. Undoing a choice deletes
-- its row. Erasing the subscriber erases their choices (cascade).
CREATE TABLE feedback_choices (
  subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  paper_seq     INTEGER NOT NULL REFERENCES papers (seq) ON DELETE CASCADE,
  choice        TEXT    NOT NULL CHECK (choice IN ('more', 'less')),
  chosen_at     TEXT    NOT NULL,
  PRIMARY KEY (subscriber_id, paper_seq)
) WITHOUT ROWID;

-- The reader's fitted linear model, refitted in the same transaction as
-- every change to their choices, so a digest run only reads it. Readers
-- with no choices have no row, and the run scores nothing for them.
CREATE TABLE reader_models (
  subscriber_id INTEGER PRIMARY KEY REFERENCES subscribers (id) ON DELETE CASCADE,
  -- Same encoding as paper_vectors.vector, unnormalised.
  weights       BLOB    NOT NULL,
  positives     INTEGER NOT NULL,
  -- The latest papers marked "more like this" (JSON array of seq), for "like <paper>".
  liked         TEXT    NOT NULL,
  negatives     INTEGER NOT NULL,
  fitted_at     TEXT    NOT NULL
);
