-- One row per message handed to the relay, by any process on this database:
-- the shared count behind SMTP_RATE_LIMIT and SMTP_DAILY_QUOTA, so the
-- server and CLI runs never exceed the relay's quota between them. A
-- hand-off the relay refused is deleted again: relays count what they accept.
CREATE TABLE relay_handoffs (
  id      INTEGER PRIMARY KEY,
  -- Wall-clock milliseconds, for the per-second limit.
  at_ms   INTEGER NOT NULL,
  -- The message's own time (a run's --now), for the rolling 24-hour quota.
  sent_at TEXT    NOT NULL
);

CREATE INDEX relay_handoffs_at_ms ON relay_handoffs (at_ms);
CREATE INDEX relay_handoffs_sent_at ON relay_handoffs (sent_at);
