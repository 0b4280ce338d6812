-- Links belong to one subscription forever.
-- 1. `id` gets AUTOINCREMENT, so the id of an erased subscriber is never
--    handed to the next one (a plain rowid reuses the highest id once its row
--    is deleted). SQLite cannot add AUTOINCREMENT to a table, so the table is
--    rebuilt: the migration runner turns foreign keys off while it applies
--    migrations (so dropping the old table does not cascade into
--    subscriber_topics, deliveries and sent_papers) and runs
--    `PRAGMA foreign_key_check` before it commits.
-- 2. `token_secret`: a random value per subscriber, signed into every token
--    and never sent out, so a link only ever works for the row it was made
--    for. Existing subscribers get one here, which retires every link sent
--    before this version (their owners get fresh ones with the next email).
CREATE TABLE subscribers_new (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  email           TEXT    NOT NULL UNIQUE COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 254),
  status          TEXT    NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced')),
  frequency       TEXT    NOT NULL CHECK (frequency IN ('daily', 'weekly')),
  weekday         INTEGER CHECK (weekday BETWEEN 0 AND 6),
  send_hour       INTEGER NOT NULL CHECK (send_hour BETWEEN 0 AND 23),
  timezone        TEXT    NOT NULL,
  -- Part of every token's signature: raising it revokes every link sent so far.
  token_version   INTEGER NOT NULL DEFAULT 1 CHECK (token_version >= 1),
  -- 128 random bits as hex, made by SQLite for every new row.
  token_secret    TEXT    NOT NULL DEFAULT (lower(hex(randomblob(16)))) CHECK (length(token_secret) = 32),
  created_at      TEXT    NOT NULL,
  updated_at      TEXT    NOT NULL,
  confirm_sent_at TEXT,
  last_notice_at  TEXT,
  confirmed_at    TEXT,
  unsubscribed_at TEXT,
  CHECK ((frequency = 'weekly') = (weekday IS NOT NULL))
);

INSERT INTO subscribers_new (id, email, status, frequency, weekday, send_hour, timezone, token_version, token_secret,
                             created_at, updated_at, confirm_sent_at, last_notice_at, confirmed_at, unsubscribed_at)
SELECT id, email, status, frequency, weekday, send_hour, timezone, token_version, lower(hex(randomblob(16))),
       created_at, updated_at, confirm_sent_at, last_notice_at, confirmed_at, unsubscribed_at
FROM subscribers;

DROP TABLE subscribers;
-- The tables that refer to `subscribers` by name now refer to this one.
ALTER TABLE subscribers_new RENAME TO subscribers;
