-- When each active subscriber's next digest comes due (UTC, ISO 8601), so a
-- digest tick reads only the subscribers who are due, through the index
-- below, however many are not. It may be early, never late: a tick that
-- finds a subscriber not due after all works out their time again.
-- The empty default sorts before every time: a row that has none yet
-- (every subscriber from before this column, or one written by hand) is a
-- candidate at the next tick, which stores its exact time, so the first
-- tick after this migration reads everyone once, as every tick did until now.
ALTER TABLE subscribers ADD COLUMN next_due_at TEXT NOT NULL DEFAULT '';

-- Only active subscribers get digests; the rest stay out of the index.
CREATE INDEX subscribers_next_due ON subscribers (next_due_at) WHERE status = 'active';
