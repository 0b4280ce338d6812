export interface Progress {
  /** Marks `n` more items done. */
  advance(n?: number): void;
  /** Ends the bar (or the log) with a summary line. */
  finish(summary: string): void;
}

interface Stream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/**
 * A progress bar on a terminal; plain log lines (start, every quarter, end)
 * anywhere else, so CI logs and files stay readable.
 */
export function createProgress(label: string, total: number, stream: Stream = process.stderr): Progress {
  let done = 0;
  let lastQuarter = 0;
  const tty = Boolean(stream.isTTY);

  const draw = () => {
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 20));
    const filled = total === 0 ? width : Math.round((done / total) * width);
    stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`);
  };

  if (tty) draw();
  else stream.write(`${label}: ${total} to do\n`);

  return {
    advance(n = 1) {
      done = Math.min(total, done + n);
      if (tty) {
        draw();
        return;
      }
      const quarter = total === 0 ? 4 : Math.floor((done / total) * 4);
      if (quarter > lastQuarter && done < total) {
        lastQuarter = quarter;
        stream.write(`${label}: ${done}/${total}\n`);
      }
    },
    finish(summary) {
      stream.write(tty ? `\r\x1b[2K${label}: ${summary}\n` : `${label}: ${summary}\n`);
    },
  };
}
