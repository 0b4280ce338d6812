-- The delivery ledger: one row per subscriber and digest key, so nobody ever
-- gets two digests for the same day (daily) or week (weekly), whatever
-- crashes, restarts or overlapping runs happen.
CREATE TABLE deliveries (
  id              INTEGER PRIMARY KEY,
  subscriber_id   INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  -- The subscriber's local date ('2026-11-27') for a daily digest, the ISO
  -- week ('2026-W48') for a weekly one.
  digest_key      TEXT    NOT NULL,
  -- pending: planned, waiting for its (next) attempt; sending: claimed by a
  -- runner; sent; skipped: nothing to send (no match, or the subscriber left
  -- before it went out); failed: gave up after the retry budget; bounced: the
  -- relay refused the address for good.
  status          TEXT    NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'skipped', 'failed', 'bounced')),
  -- Fixed at planning, so every retry (even after a crash) carries the same one.
  message_id      TEXT    NOT NULL,
  -- What the digest holds, frozen at planning so a retry and the web view
  -- show exactly what was planned: {"topics": [...], "papers": [[seq, topic index...], ...]}.
  content         TEXT    NOT NULL DEFAULT '{"topics":[],"papers":[]}' CHECK (json_valid(content)),
  -- How many of `content`'s papers the email shows; the rest are on the web view.
  shown           INTEGER NOT NULL DEFAULT 0 CHECK (shown >= 0),
  -- Every paper that matched, even beyond what `content` keeps.
  matched         INTEGER NOT NULL DEFAULT 0 CHECK (matched >= 0),
  -- The highest papers.seq the planner could see: the next digest starts after it.
  watermark       INTEGER NOT NULL,
  planned_at      TEXT    NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at TEXT,
  last_error      TEXT,
  -- Which runner holds a `sending` row ('host/pid'), so a restart can tell a
  -- row abandoned by a killed process from one still in flight elsewhere.
  claimed_by      TEXT,
  claimed_at      TEXT,
  sent_at         TEXT,
  updated_at      TEXT    NOT NULL,
  UNIQUE (subscriber_id, digest_key)
);

-- The send loop claims due rows in time order.
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);

-- Every paper a subscriber has been sent, so none is ever sent twice. Written
-- in the same transaction that marks its delivery sent.
CREATE TABLE sent_papers (
  subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  paper_seq     INTEGER NOT NULL REFERENCES papers (seq) ON DELETE CASCADE,
  delivery_id   INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  PRIMARY KEY (subscriber_id, paper_seq)
) WITHOUT ROWID;

-- Cascades from a deleted delivery without scanning the ledger.
CREATE INDEX sent_papers_delivery ON sent_papers (delivery_id);

-- Where a subscriber's next digest starts: their latest delivery's watermark.
CREATE INDEX deliveries_subscriber_watermark ON deliveries (subscriber_id, watermark);
