-- Run history: every digest and ingest run, scheduled or from the CLI, so an
-- operator can see what ran, how long it took and what it did without logs.
CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,
  kind        TEXT    NOT NULL CHECK (kind IN ('digest', 'ingest')),
  -- The paper source for an ingest run ('hf', 'arxiv', 'seed'); NULL for a digest run.
  source      TEXT,
  -- schedule: the service's own job; cli: a `paperboy` command.
  trigger     TEXT    NOT NULL CHECK (trigger IN ('schedule', 'cli')),
  started_at  TEXT    NOT NULL,
  -- NULL while the run is going (or if its process died before it ended).
  finished_at TEXT,
  -- running; ok; failed: the run stopped on an error (what it did before is in `counts`).
  outcome     TEXT    NOT NULL DEFAULT 'running' CHECK (outcome IN ('running', 'ok', 'failed')),
  -- The run's summary as JSON: {"sent": 3, "skipped": 1, ...} or {"added": 4, ...}.
  counts      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(counts)),
  error       TEXT
);

-- The dashboard and `paperboy runs` read the newest runs; prune drops the oldest.
CREATE INDEX runs_started ON runs (started_at);

-- Admin sessions. Only a hash of the cookie's token is kept, so a copy of the
-- database (a backup, say) holds nothing that logs anyone in.
CREATE TABLE admin_sessions (
  token_hash  TEXT PRIMARY KEY,
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL,
  ip          TEXT NOT NULL
) WITHOUT ROWID;

-- Every admin action, who did it and when. Never pruned: it is the record.
CREATE TABLE admin_audit (
  id      INTEGER PRIMARY KEY,
  at      TEXT NOT NULL,
  -- Who: there is one admin password, so the session and the address it came from.
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  -- What it acted on: 'subscriber 12', 'delivery 40'.
  target  TEXT,
  detail  TEXT
);
