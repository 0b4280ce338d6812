-- Each ingest transaction adds a segment to both full-text indexes, and
-- FTS5 only merges a level once it holds four of them (its default), so a
-- store keeps several segments per level, and every MATCH looks each of its
-- terms up in every one. On 1,000 papers a topic's match took twice as long,
-- and a card's highlight query 2.5 times as long, as on one segment.
-- With usermerge at 2, the 'merge' command that follows each ingest run (see
-- PaperRepository.mergeSearchIndexStep) leaves at most one segment per level,
-- so a lookup reads a few segments, and each paper's postings are rewritten
-- about once per level over its life rather than on every run.
INSERT INTO papers_fts (papers_fts, rank) VALUES ('usermerge', 2);
INSERT INTO papers_exact (papers_exact, rank) VALUES ('usermerge', 2);
