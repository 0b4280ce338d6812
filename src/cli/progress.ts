export interface Progress {
  /** Marks `n` more items done. */
  advance(n?: number): void;
  /** A line of its own (a retry, a warning) that leaves the bar intact. */
  note(text: string): void;
  /**
   * Ends the bar: a terminal's bar line is cleared, a log gets nothing more.
   * The command prints its own summary once, on stdout, so a run whose two
   * streams share a terminal or a log does not say the same thing twice.
   */
  finish(): void;
}

interface Stream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/**
 * A progress bar on a terminal; plain log lines (start, every quarter, end)
 * anywhere else, so CI logs and files stay readable.
 *
 * A `null` total is for work whose size shows only as it arrives (a
 * source's pages): the terminal then shows a running count instead of a bar,
 * and logs get a line per step, which for pages is a handful.
 */
export function createProgress(label: string, total: number | null, stream: Stream = process.stderr): Progress {
  let done = 0;
  let lastQuarter = 0;
  const tty = Boolean(stream.isTTY);

  const draw = () => {
    if (total === null) {
      stream.write(`\r${label}: ${done} done`);
      return;
    }
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 20));
    const filled = total === 0 ? width : Math.round((done / total) * width);
    stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`);
  };

  if (tty) draw();
  else stream.write(total === null ? `${label}: started\n` : `${label}: ${total} to do\n`);

  return {
    advance(n = 1) {
      done = total === null ? done + n : Math.min(total, done + n);
      if (tty) {
        draw();
        return;
      }
      if (total === null) {
        stream.write(`${label}: ${done} done\n`);
        return;
      }
      const quarter = total === 0 ? 4 : Math.floor((done / total) * 4);
      if (quarter > lastQuarter && done < total) {
        lastQuarter = quarter;
        stream.write(`${label}: ${done}/${total}\n`);
      }
    },
    note(text) {
      if (!tty) {
        stream.write(`${label}: ${text}\n`);
        return;
      }
      stream.write(`\r\x1b[2K${label}: ${text}\n`);
      draw();
    },
    finish() {
      if (tty) stream.write('\r\x1b[2K');
    },
  };
}
