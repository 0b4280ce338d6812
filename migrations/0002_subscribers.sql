-- People who asked for a digest, and what they asked for.
-- `id` is an explicit INTEGER PRIMARY KEY: digest runs read subscribers in
-- keyset batches (`id > ? ORDER BY id LIMIT ?`), and tokens name it.
CREATE TABLE subscribers (
  id              INTEGER PRIMARY KEY,
  -- One row per address whatever its case: "Ada@Example.com" is "ada@example.com".
  email           TEXT    NOT NULL UNIQUE COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 254),
  -- pending: waits for the confirmation click; active: gets digests;
  -- unsubscribed: asked to stop; bounced: the address refused mail for good.
  status          TEXT    NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced')),
  frequency       TEXT    NOT NULL CHECK (frequency IN ('daily', 'weekly')),
  -- 0 = Sunday … 6 = Saturday, as in JavaScript; only weekly digests have one.
  weekday         INTEGER CHECK (weekday BETWEEN 0 AND 6),
  send_hour       INTEGER NOT NULL CHECK (send_hour BETWEEN 0 AND 23),
  -- A canonical IANA name, checked by the application.
  timezone        TEXT    NOT NULL,
  -- Part of every token's signature: raising it revokes every link sent so far.
  token_version   INTEGER NOT NULL DEFAULT 1 CHECK (token_version >= 1),
  created_at      TEXT    NOT NULL,
  updated_at      TEXT    NOT NULL,
  -- When the last confirmation email went out; confirmation links expire from it.
  confirm_sent_at TEXT,
  -- When the last email the visitor triggered went out, to stop the form being
  -- used to flood someone's inbox.
  last_notice_at  TEXT,
  confirmed_at    TEXT,
  unsubscribed_at TEXT,
  CHECK ((frequency = 'weekly') = (weekday IS NOT NULL))
);

-- One row per topic line. `key` is the topic's normal form: a digest run
-- matches each distinct key once and shares the result.
CREATE TABLE subscriber_topics (
  subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  position      INTEGER NOT NULL,
  text          TEXT    NOT NULL,
  key           TEXT    NOT NULL,
  PRIMARY KEY (subscriber_id, key)
) WITHOUT ROWID;

-- Finds everyone who shares a topic.
CREATE INDEX subscriber_topics_key ON subscriber_topics (key);
