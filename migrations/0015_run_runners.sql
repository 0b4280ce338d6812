-- Which process runs each run ('host/pid', as the queues sign their claims),
-- so a run whose process was killed or crashed, and so never recorded its
-- end, can be told from one still going and marked failed by the next run
-- on that host. NULL for runs recorded before this.
ALTER TABLE runs ADD COLUMN runner TEXT;
