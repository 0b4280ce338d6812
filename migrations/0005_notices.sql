-- Emails a visitor's form causes (a confirmation, an "already subscribed"
-- note), queued in the same transaction as the change that caused them and
-- sent by a queue with retries, so an answer that says "check your inbox" is
-- never a lie, whatever crash or relay outage follows it.
CREATE TABLE notices (
  id              INTEGER PRIMARY KEY,
  -- Erasing a subscriber takes their queued emails with them.
  subscriber_id   INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  -- Which email (an email template's name). Only the kind is stored: the
  -- email is rendered at send time from the subscriber's state then, so a
  -- retry never carries links or preferences that were replaced meanwhile.
  kind            TEXT    NOT NULL,
  -- pending: waiting for its (next) attempt; sending: claimed by a sender;
  -- sent; skipped: the subscriber's state no longer calls for it; failed:
  -- gave up, or the email could never be sent; bounced: the relay refused
  -- the address for good.
  status          TEXT    NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'skipped', 'failed', 'bounced')),
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at TEXT,
  last_error      TEXT,
  -- Which sender holds a `sending` row ('host/pid'), so a restart can tell a
  -- row abandoned by a killed process from one still in flight elsewhere.
  claimed_by      TEXT,
  claimed_at      TEXT,
  created_at      TEXT    NOT NULL,
  sent_at         TEXT,
  updated_at      TEXT    NOT NULL
);

-- At most one email of each kind waits per subscriber: posting the form
-- again while one waits queues nothing more.
CREATE UNIQUE INDEX notices_waiting ON notices (subscriber_id, kind) WHERE status IN ('pending', 'sending');

-- The sender claims due rows in time order.
CREATE INDEX notices_due ON notices (status, next_attempt_at);

-- Erasure cascades without scanning the queue.
CREATE INDEX notices_subscriber ON notices (subscriber_id);
