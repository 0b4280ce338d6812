-- What relays and mailboxes report after they accepted a message: bounces
-- and spam complaints, each kept with its raw form so the operator can see
-- exactly what arrived and what paperboy did about it.
CREATE TABLE mail_reports (
  id            INTEGER PRIMARY KEY,
  -- ses: an SNS notification; postmark: its webhook; mailbox: a DSN or ARF
  -- message piped to `paperboy bounces`.
  source        TEXT    NOT NULL CHECK (source IN ('ses', 'postmark', 'mailbox')),
  -- The provider's id of the report (SNS MessageId, Postmark ID, the report
  -- message's Message-ID), so a redelivered report is acted on once.
  source_id     TEXT,
  -- other: stored for the record but acted on by nobody (an auto-reply, a
  -- delay warning).
  kind          TEXT    NOT NULL CHECK (kind IN ('hard-bounce', 'soft-bounce', 'complaint', 'other')),
  email         TEXT    COLLATE NOCASE,
  -- Erasing a subscriber erases what was reported about them.
  subscriber_id INTEGER REFERENCES subscribers (id) ON DELETE CASCADE,
  delivery_id   INTEGER REFERENCES deliveries (id) ON DELETE SET NULL,
  -- The diagnostic ("smtp; 550 5.1.1 user unknown") or the feedback type.
  detail        TEXT    NOT NULL DEFAULT '',
  -- What paperboy did: suppressed, counted, already-suppressed, unmatched, ignored.
  outcome       TEXT    NOT NULL,
  raw           TEXT    NOT NULL,
  received_at   TEXT    NOT NULL,
  UNIQUE (source, source_id, email)
);

CREATE INDEX mail_reports_delivery ON mail_reports (delivery_id);
CREATE INDEX mail_reports_subscriber ON mail_reports (subscriber_id, id);
CREATE INDEX mail_reports_received ON mail_reports (received_at);

-- A report names its digest by the deterministic Message-ID when no VERP
-- address survived.
CREATE INDEX deliveries_message_id ON deliveries (message_id);

-- When the reader marked this digest as spam. A complaint leaves the delivery
-- `sent` (it was delivered) and stops every later one.
ALTER TABLE deliveries ADD COLUMN complained_at TEXT;
