/** A range of rowids, `after` < id <= `upto`: one slice of a table for work done a slice at a time. */
export interface IdWindow {
  after: number;
  upto: number;
}
