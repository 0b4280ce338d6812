/**
 * `POST /subscribe` on the real server (the built program, with its rate
 * limit off) beside the same server's cached `GET /`, and beside a bare
 * Fastify route doing one SQLite insert in its own process, loaded in turn
 * by autocannon from this one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { BENCH_SECRET, cpuSecondsOf, DEPLOYED_ENV } from './digest.bench.js';
import type { Sink } from './smtp-sink.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface LoadFigures {
  rps: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  /**
   * The server process's CPU time (all its threads, from /proc) per request
   * answered, in µs; null where /proc is missing. Steadier than requests a
   * second on a shared machine, and it counts only the server, not autocannon
   * or the sink beside it.
   */
  cpuUsPerRequest: number | null;
}

/** Starts a server process and resolves with its port once it listens. */
async function startServer(args: string[], env: Record<string, string>, ready: (line: string) => number | null): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let partial = '';
    let port: number | null = null;
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before listening`)));
    // Read to the end (request logs included, as a log shipper would), but keep only an unfinished line.
    child.stdout!.on('data', (chunk: Buffer) => {
      if (port !== null) return;
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) port ??= ready(line);
      if (port !== null) resolve({ child, port });
    });
  });
}

type Request = Pick<autocannon.Options, 'method' | 'headers' | 'body' | 'idReplacement'> & { path: string };

const SUBSCRIBE: Request = {
  path: '/subscribe',
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  // A new address each time, so every request is a new subscriber.
  body: 'email=reader-[<id>]%40bench.example&topics=lora%0D%0Atest-time+adaptation&frequency=daily&send_hour=8&timezone=Europe%2FParis',
  idReplacement: true,
};

/** The form page: rendered once and kept, so it is the app's own floor (framework, headers, logging). */
const HOME: Request = { path: '/', method: 'GET' };

function load(port: number, seconds: number, { path: route, ...request }: Request): Promise<Omit<LoadFigures, 'cpuUsPerRequest'> & { requests: number }> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}${route}`,
        connections: 10,
        duration: seconds,
        ...request,
      },
      (err, result) =>
        err
          ? reject(err)
          : resolve({ rps: result.requests.average, p99Ms: result.latency.p99, errors: result.errors, non2xx: result.non2xx, requests: result.requests.total }),
    );
  });
}

/**
 * The requests against one server process, after a second of warm-up each,
 * in alternating slices of at most two seconds until each has had `seconds`:
 * a shared machine speeds up and slows down by a third within a minute, and
 * requests measured one after the other would each take the luck of their
 * own moment. Each figure is the mean of its slices, which are of equal
 * length. `settle` runs before every slice, outside the timing: a server
 * still sending the emails queued by the last slice would charge that work
 * to the next one.
 */
async function measure(
  server: Promise<{ child: ChildProcess; port: number }>,
  seconds: number,
  requests: Request[],
  settle: () => Promise<void> = async () => undefined,
): Promise<LoadFigures[]> {
  const { child, port } = await server;
  try {
    for (const request of requests) {
      await settle();
      await load(port, 1, request);
    }
    const slices = Math.max(1, Math.ceil(seconds / 2));
    const parts: Array<Array<Awaited<ReturnType<typeof load>> & { cpuMs: number | null }>> = requests.map(() => []);
    for (let slice = 0; slice < slices; slice += 1) {
      for (const [index, request] of requests.entries()) {
        await settle();
        const before = cpuSecondsOf(child.pid!);
        const figures = await load(port, seconds / slices, request);
        const after = cpuSecondsOf(child.pid!);
        parts[index]!.push({ ...figures, cpuMs: before === null || after === null ? null : 1000 * (after - before) });
      }
    }
    return parts.map((figures) => ({
      cpuUsPerRequest: figures.some((part) => part.cpuMs === null)
        ? null
        : (1000 * figures.reduce((sum, part) => sum + part.cpuMs!, 0)) / Math.max(1, figures.reduce((sum, part) => sum + part.requests, 0)),
      rps: figures.reduce((sum, part) => sum + part.rps, 0) / figures.length,
      // The worst slice's: a mean of percentiles is not a percentile.
      p99Ms: Math.max(...figures.map((part) => part.p99Ms)),
      errors: figures.reduce((sum, part) => sum + part.errors, 0),
      non2xx: figures.reduce((sum, part) => sum + part.non2xx, 0),
    }));
  } finally {
    child.kill();
  }
}

/** Waits until the server has sent every confirmation email its queue holds. */
async function queueEmpty(file: string): Promise<void> {
  if (!fs.existsSync(file)) return;
  const db = new Database(file, { readonly: true });
  try {
    const waiting = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM notices WHERE status IN ('pending', 'sending')");
    const deadline = Date.now() + 300_000;
    while (waiting.get()!.n > 0) {
      if (Date.now() > deadline) throw new Error('the email queue did not empty within five minutes');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    db.close();
  }
}

export async function subscribeBench(sink: Sink, seconds: number): Promise<{ subscribe: LoadFigures; home: LoadFigures; bare: LoadFigures }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-bench-http-'));
  try {
    const [bare] = await measure(
      startServer(['--import', 'tsx', 'bench/bare-insert-server.ts'], { DATABASE_PATH: path.join(dir, 'bare.db') }, (line) => {
        const match = /^\{"port":(\d+)\}$/.exec(line.trim());
        return match ? Number(match[1]) : null;
      }),
      seconds,
      [SUBSCRIBE],
    );
    const [home, subscribe] = await measure(
      startServer(
        ['dist/server.js'],
        {
          PORT: '0',
          DATABASE_PATH: path.join(dir, 'paperboy.db'),
          SMTP_URL: sink.url,
          SECRET_KEY: BENCH_SECRET,
          SUBSCRIBE_RATE_LIMIT: '0',
          LOG_LEVEL: 'info',
          INGEST_HF_SCHEDULE: 'off',
          INGEST_ARXIV_SCHEDULE: 'off',
          DIGEST_SCHEDULE: 'off',
          ...DEPLOYED_ENV,
        },
        (line) => {
          const match = /"msg":"Server listening at http:\/\/127\.0\.0\.1:(\d+)"/.exec(line);
          return match ? Number(match[1]) : null;
        },
      ),
      seconds,
      [HOME, SUBSCRIBE],
      () => queueEmpty(path.join(dir, 'paperboy.db')),
    );
    return { subscribe: subscribe!, home: home!, bare: bare! };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const cpuFigure = (figures: LoadFigures) => (figures.cpuUsPerRequest === null ? null : Math.round(figures.cpuUsPerRequest));

/** The notes column of a load row: tail latency, failures and the server's CPU a request. */
export function loadNotes(figures: LoadFigures): string {
  const cpu = cpuFigure(figures) === null ? '' : `; ${cpuFigure(figures)} µs of server CPU a request`;
  return `p99 ${figures.p99Ms} ms; ${figures.non2xx} non-2xx, ${figures.errors} errors${cpu}`;
}

export const SUBSCRIBE_TARGET = 'subscribe at least 0.4 of cached GET /';

/** What results.json keeps of a subscribe measurement, and its target's row. */
export function subscribeResults(http: { subscribe: LoadFigures; home: LoadFigures; bare: LoadFigures }) {
  const ratio = http.home.rps > 0 ? http.subscribe.rps / http.home.rps : 0;
  return {
    figures: {
      subscribe_rps: Number(http.subscribe.rps.toFixed(1)),
      home_rps: Number(http.home.rps.toFixed(1)),
      bare_insert_rps: Number(http.bare.rps.toFixed(1)),
      subscribe_p99_ms: http.subscribe.p99Ms,
      bare_insert_p99_ms: http.bare.p99Ms,
      subscribe_cpu_us: cpuFigure(http.subscribe),
      home_cpu_us: cpuFigure(http.home),
    },
    target: { value: ratio.toFixed(2), met: ratio >= 0.4 },
  };
}
