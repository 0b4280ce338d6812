import type { Db } from './connection.js';

/** A range of rowids, `after` < id <= `upto`: one slice of a table for work done a slice at a time. */
export interface IdWindow {
  after: number;
  upto: number;
}

/**
 * Every id in `table`, as one window (empty when the table is). Two
 * subqueries: SQLite reads min() or max() straight off the rowid B-tree only
 * when each is alone in its query; together they scan the table.
 */
export function idSpanStatement(db: Db, table: string) {
  return db.prepare<[], IdWindow>(`SELECT coalesce((SELECT min(id) FROM ${table}) - 1, 0) AS after, coalesce((SELECT max(id) FROM ${table}), 0) AS upto`);
}
