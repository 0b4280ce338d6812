import type { Db } from '../db/connection.js';

export type RunKind = 'digest' | 'ingest';
export type RunTrigger = 'schedule' | 'cli';
export type RunOutcome = 'running' | 'ok' | 'failed';
export type RunCounts = Record<string, number>;

export interface Run {
  id: number;
  kind: RunKind;
  source: string | null;
  trigger: RunTrigger;
  startedAt: string;
  finishedAt: string | null;
  outcome: RunOutcome;
  counts: RunCounts;
  error: string | null;
}

interface RunRow {
  id: number;
  kind: RunKind;
  source: string | null;
  trigger: RunTrigger;
  started_at: string;
  finished_at: string | null;
  outcome: RunOutcome;
  counts: string;
  error: string | null;
}

const COLUMNS = 'id, kind, source, trigger, started_at, finished_at, outcome, counts, error';

function toRun(row: RunRow): Run {
  return {
    id: row.id,
    kind: row.kind,
    source: row.source,
    trigger: row.trigger,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    outcome: row.outcome,
    counts: JSON.parse(row.counts) as RunCounts,
    error: row.error,
  };
}

/** The run history table: one row per digest or ingest run. */
export class RunRepository {
  private readonly insertRow;
  private readonly finishRow;
  private readonly unfinished;
  private readonly newest;
  private readonly newestOfKind;
  private readonly countBefore;
  private readonly deleteBefore;
  private readonly dailySums;

  constructor(db: Db) {
    this.insertRow = db.prepare<[{ kind: RunKind; source: string | null; trigger: RunTrigger; at: string; runner: string }]>(
      `INSERT INTO runs (kind, source, trigger, started_at, runner) VALUES (@kind, @source, @trigger, @at, @runner)`,
    );
    this.unfinished = db.prepare<[], { id: number; runner: string; startedAt: string }>(
      `SELECT id, runner, started_at AS startedAt FROM runs WHERE outcome = 'running' AND runner IS NOT NULL`,
    );
    // Guarded on 'running': a row is finished once, whatever a caller repeats.
    this.finishRow = db.prepare<[{ id: number; outcome: RunOutcome; counts: string; error: string | null; at: string }]>(
      `UPDATE runs SET finished_at = @at, outcome = @outcome, counts = @counts, error = @error WHERE id = @id AND outcome = 'running'`,
    );
    this.newest = db.prepare<[number], RunRow>(`SELECT ${COLUMNS} FROM runs ORDER BY started_at DESC, id DESC LIMIT ?`);
    this.newestOfKind = db.prepare<[RunKind, number], RunRow>(
      `SELECT ${COLUMNS} FROM runs WHERE kind = ? ORDER BY started_at DESC, id DESC LIMIT ?`,
    );
    // A run still going (or whose process died) is kept until it is older than the cutoff too.
    this.countBefore = db.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM runs WHERE started_at < ?`);
    this.deleteBefore = db.prepare<[string]>(`DELETE FROM runs WHERE started_at < ?`);
    // One counter of the digest runs' summaries, summed per UTC day: the ledger keeps no history of retries.
    this.dailySums = db.prepare<[string, string], { day: string; total: number }>(`
      SELECT substr(started_at, 1, 10) AS day, sum(coalesce(counts ->> ?, 0)) AS total
      FROM runs WHERE kind = 'digest' AND started_at >= ? GROUP BY day`);
  }

  /** Records a run's start; `runner` is the process running it ('host/pid'). */
  start(kind: RunKind, source: string | null, trigger: RunTrigger, at: string, runner: string): number {
    return Number(this.insertRow.run({ kind, source, trigger, at, runner }).lastInsertRowid);
  }

  /** Runs that have not recorded their end, with the process that runs them. */
  running(): Array<{ id: number; runner: string; startedAt: string }> {
    return this.unfinished.all();
  }

  finish(id: number, outcome: Exclude<RunOutcome, 'running'>, counts: RunCounts, error: string | null, at: string): void {
    this.finishRow.run({ id, outcome, counts: JSON.stringify(counts), error, at });
  }

  /** The newest runs first, of one kind or of both. */
  recent(limit: number, kind?: RunKind): Run[] {
    return (kind ? this.newestOfKind.all(kind, limit) : this.newest.all(limit)).map(toRun);
  }

  /** Sums one digest-run counter (such as 'retried') per UTC day from `since`. */
  digestDailySum(counter: string, since: string): Map<string, number> {
    return new Map(this.dailySums.all(`$.${counter}`, since).map(({ day, total }) => [day, total]));
  }

  /** Deletes runs started before `cutoff`; with `dryRun`, only counts them. */
  prune(cutoff: string, dryRun: boolean): number {
    return dryRun ? (this.countBefore.get(cutoff)?.n ?? 0) : this.deleteBefore.run(cutoff).changes;
  }
}
