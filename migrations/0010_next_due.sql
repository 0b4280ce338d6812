-- When each active subscriber's next digest comes due (UTC, ISO 8601), so a
-- digest tick reads only the subscribers who are due, through the index
-- below, however many are not. It may be early, never late: a tick that
-- finds a subscriber not due after all works out their time again.
ALTER TABLE subscribers ADD COLUMN next_due_at TEXT;

-- Subscribers from before this column are candidates at the first tick,
-- which writes each one's exact time; that is how digest runs read them until now.
UPDATE subscribers SET next_due_at = created_at WHERE status = 'active';

-- Only active subscribers get digests; the rest stay out of the index.
CREATE INDEX subscribers_next_due ON subscribers (next_due_at) WHERE status = 'active';
