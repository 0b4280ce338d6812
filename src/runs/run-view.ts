import type { Run } from './run.repository.js';

/** "12.3 s", or "running" for a run with no end. */
export function duration(run: Pick<Run, 'startedAt' | 'finishedAt'>): string {
  if (!run.finishedAt) return 'running';
  return `${((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1)} s`;
}

/** "sent 3, skipped 1": the counters that are not zero. */
export function describeRunCounts(counts: Run['counts']): string {
  const parts = Object.entries(counts).filter(([, n]) => n !== 0).map(([name, n]) => `${name} ${n}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}
