/**
 * The crash drill: `paperboy digest` killed with SIGKILL at random points of
 * a real run, again and again, then run once more to the end. Every
 * subscriber must end with exactly one distinct Message-ID (a resend of the
 * same one is the same email to a reader) and every row of the ledger sent.
 * A kill may cost at most the messages in flight: the drill counts, per
 * kill, the messages the relay had accepted in that round and got again
 * later, and that must stay within the SMTP pool size.
 *
 *   npm run build && tsx scripts/crash-drill.ts --rounds 20 --subscribers 3000 [--seed 1] [--pool 5]
 *
 * Exits 0 when nobody lost a digest or got two and no kill caused more
 * repeats than the pool size, 1 otherwise.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { createDrillStore, DRILL_SECRET, ledgerCounts, tallyMessageIds, type DrillStore, type Tally } from '../test/kit/drill-store.js';
import { seededRandom } from '../test/kit/random.js';
import { type AcceptedMail, type SmtpSink, startSmtpSink } from '../test/kit/smtp-sink.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** The drill runs with SMTP_POOL_SIZE's default unless told. */
const DEFAULT_POOL_SIZE = loadConfig({ SECRET_KEY: DRILL_SECRET, SMTP_URL: 'smtp://127.0.0.1:25' }).smtpPoolSize;
/** Share of the kills not aimed at planning that land in start-up (recovery, matching); the rest land while digests are being handed to the relay. */
const EARLY_KILLS = 0.2;

export type KillPhase = 'starting' | 'planning' | 'sending' | 'exited';

export interface CrashRound {
  round: number;
  delayMs: number;
  /** Where the run was when it was killed; 'exited' when it finished before the kill. */
  phase: KillPhase;
  /** Messages the relay accepted during the round. */
  accepted: number;
  /** Rows the killed runner left claimed: hand-offs in flight when it died. */
  leftSending: number;
  /** Rows in the ledger after the round: fewer than the subscribers when planning was cut short. */
  planned: number;
  /** Messages first accepted in this round that the relay got again in a later one: what this kill cost. */
  repeats: number;
}

export interface CrashDrillResult {
  ok: boolean;
  subscribers: number;
  rounds: CrashRound[];
  calibration: Calibration;
  /** Kills that ended a run still under way. */
  midRun: number;
  acceptedBeforeFinal: number;
  acceptedByFinal: number;
  finalExitCode: number | null;
  finalMs: number;
  ledger: Record<string, number>;
  /** SMTP_POOL_SIZE of every run: the most messages in flight at a kill, so the most one kill may cause to be resent. */
  poolSize: number;
  /** The most repeats any one kill caused. */
  maxRepeatsPerKill: number;
  /** Claims each sent digest took; a claim a kill cut short counts as one. */
  attempts: { max: number; retried: number };
  tally: Tally;
}

export interface CrashDrillOptions {
  subscribers: number;
  rounds: number;
  seed: number;
  /** SMTP_POOL_SIZE for every run; the default is the setting's. */
  poolSize?: number;
  log?: (line: string) => void;
}

interface Run {
  child: ChildProcess;
  startedAt: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/** `paperboy digest --now …` through the package's bin, as an operator or cron runs it. */
function digest(store: DrillStore, smtpUrl: string, poolSize: number, file = store.file): Run {
  const child = spawn(process.execPath, ['bin/paperboy.js', 'digest', '--now', store.now], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LANG: 'C.UTF-8',
      DATABASE_PATH: file,
      SECRET_KEY: DRILL_SECRET,
      SMTP_URL: smtpUrl,
      SMTP_POOL_SIZE: String(poolSize),
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, startedAt: performance.now(), exited, output: () => output };
}

/**
 * For each round, how many of the messages first accepted in it were
 * accepted again later. A message goes again only when the kill that ended
 * its round lost the record of its acceptance, so this is what each kill
 * cost. `starts` holds where each run's messages begin in `accepted`.
 */
export function repeatsByRound(accepted: readonly AcceptedMail[], starts: readonly number[]): Map<number, number> {
  const firstRound = new Map<string, number>();
  const repeats = new Map<number, number>();
  let round = -1;
  accepted.forEach(({ envelopeTo, messageId }, n) => {
    while (round + 1 < starts.length && n >= starts[round + 1]!) round += 1;
    const key = `${envelopeTo.join(',')}\u0000${messageId}`;
    const first = firstRound.get(key);
    if (first === undefined) firstRound.set(key, round);
    else if (first >= 0) repeats.set(first, (repeats.get(first) ?? 0) + 1);
  });
  return repeats;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Messages the calibration run times before it is stopped: enough for a steady rate, a fraction of a big run. */
const CALIBRATION_SAMPLE = 500;

export interface Calibration {
  /** From start to the first row in the ledger: start-up is over and planning is under way. */
  plannedMs: number;
  /** From start to the first accepted message: planning is over and sending has begun. */
  firstMessageMs: number;
  /** Time per message once sending has begun. */
  perMessageMs: number;
}

/**
 * A run over a copy of the store, to a sink of its own: when planning starts,
 * when the first message goes and how fast the next ones follow. Kill times
 * are drawn from these. It is stopped once the rate is known; the copy is
 * thrown away.
 */
async function calibrate(store: DrillStore, poolSize: number): Promise<Calibration> {
  const copy = path.join(store.dir, 'calibration.db');
  await store.db.backup(copy);
  const sink = await startSmtpSink({ keepMessages: false });
  const db = new Database(copy, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM deliveries');
    const sample = Math.min(CALIBRATION_SAMPLE, store.emails.length);
    const run = digest(store, sink.url, poolSize, copy);
    let ended = false;
    void run.exited.finally(() => (ended = true));
    let plannedMs: number | null = null;
    let firstMessageMs: number | null = null;
    while (!ended && sink.accepted.length < sample) {
      const at = performance.now() - run.startedAt;
      if (plannedMs === null && rows.get()!.n > 0) plannedMs = at;
      if (firstMessageMs === null && sink.accepted.length > 0) firstMessageMs = at;
      await sleep(5);
    }
    const sampledMs = performance.now() - run.startedAt;
    const sent = sink.accepted.length;
    if (!ended) run.child.kill('SIGKILL');
    const { code, signal } = await run.exited;
    if ((code !== 0 && signal !== 'SIGKILL') || firstMessageMs === null || sent < 2) {
      throw new Error(`the calibration run exited with ${code ?? signal} after ${sent} messages:\n${run.output()}`);
    }
    return { plannedMs: plannedMs ?? firstMessageMs, firstMessageMs, perMessageMs: (sampledMs - firstMessageMs) / (sent - 1) };
  } finally {
    db.close();
    await sink.close();
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${copy}${suffix}`, { force: true });
  }
}

export async function runCrashDrill({
  subscribers,
  rounds,
  seed,
  poolSize = DEFAULT_POOL_SIZE,
  log = (line) => console.log(line),
}: CrashDrillOptions): Promise<CrashDrillResult> {
  if (!fs.existsSync(path.join(ROOT, 'dist/cli.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const store = createDrillStore({ subscribers, seed });
  let sink: SmtpSink | undefined;
  try {
    sink = await startSmtpSink({ keepMessages: false });
    const count = (sql: string, ...params: unknown[]) => (store.db.prepare(sql).get(...params) as { n: number }).n;
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    log(`crash drill: ${subscribers} subscribers, ${rounds} rounds, seed ${seed}, data in ${store.dir}`);

    const calibration = await calibrate(store, poolSize);
    log(
      `calibration (a run over a copy): planning from ${seconds(calibration.plannedMs)}, ` +
        `first message after ${seconds(calibration.firstMessageMs)}, then ${calibration.perMessageMs.toFixed(1)} ms a message`,
    );

    // A stream of its own, so kill times do not shift with how many draws building the store took.
    const random = seededRandom(seed ^ 0x6b696c6c);
    const results: CrashRound[] = [];
    /** Where each round's messages start in the sink's list. */
    const starts: number[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      const { plannedMs, firstMessageMs, perMessageMs } = calibration;
      // At most an even share of what is left between this round, those to come and the final run, so each has sending to
      // interrupt and the final run still has digests to finish, however rough the calibration was.
      const left = subscribers - count("SELECT count(*) AS n FROM deliveries WHERE status = 'sent'");
      const share = 1 / (rounds - round + 2);
      const rowsBefore = count('SELECT count(*) AS n FROM deliveries');
      // Only a ledger still being filled has planning to interrupt; the first rounds aim at it until it is full.
      const planning = round <= Math.max(1, Math.floor(rounds / 4)) && rowsBefore < subscribers;
      const draw = random();
      const delayMs = Math.round(
        planning
          ? plannedMs + draw * (firstMessageMs - plannedMs)
          : draw < EARLY_KILLS
            ? firstMessageMs * (0.4 + 0.6 * random())
            : firstMessageMs + random() * share * left * perMessageMs,
      );
      const acceptedBefore = sink.accepted.length;
      const run = digest(store, sink.url, poolSize);
      let ended = false;
      void run.exited.finally(() => (ended = true));
      await Promise.race([sleep(delayMs), run.exited]);

      // Claims are signed host/pid, so the rows this run has claimed are known.
      const claimedBy = `${os.hostname()}/${run.child.pid}`;
      const claimed = () => count("SELECT count(*) AS n FROM deliveries WHERE status = 'sending' AND claimed_by = ?", claimedBy);
      let phase: KillPhase = 'exited';
      if (!ended) {
        const sending = sink.accepted.length > acceptedBefore || claimed() > 0;
        phase = sending ? 'sending' : count('SELECT count(*) AS n FROM deliveries') > rowsBefore ? 'planning' : 'starting';
        run.child.kill('SIGKILL');
      }
      // A run that ended on its own just before the kill was not interrupted, whatever it looked like.
      if ((await run.exited).signal !== 'SIGKILL') phase = 'exited';
      const entry: CrashRound = {
        round,
        delayMs,
        phase,
        accepted: sink.accepted.length - acceptedBefore,
        leftSending: claimed(),
        planned: count('SELECT count(*) AS n FROM deliveries'),
        repeats: 0,
      };
      starts.push(acceptedBefore);
      results.push(entry);
      log(
        `round ${String(round).padStart(2)}: ${phase === 'exited' ? `exited on its own before ${seconds(delayMs)}` : `killed after ${seconds(delayMs)} while ${phase}`}; ` +
          `${entry.planned} planned, ${entry.accepted} accepted, ${entry.leftSending} left in sending`,
      );
    }

    const acceptedBeforeFinal = sink.accepted.length;
    const final = digest(store, sink.url, poolSize);
    const finalExitCode = (await final.exited).code;
    const finalMs = performance.now() - final.startedAt;
    const acceptedByFinal = sink.accepted.length - acceptedBeforeFinal;
    log(`final run: exit ${finalExitCode} in ${seconds(finalMs)}, ${acceptedByFinal} accepted`);
    const summaryLine = /^digest at .*$/m.exec(final.output())?.[0];
    log(finalExitCode === 0 && summaryLine ? `  ${summaryLine}` : final.output().trim());

    const ledger = ledgerCounts(store.db);
    const attempts = {
      max: count('SELECT coalesce(max(attempts), 0) AS n FROM deliveries'),
      retried: count('SELECT count(*) AS n FROM deliveries WHERE attempts > 1'),
    };
    const tally = tallyMessageIds(sink.accepted, store.emails);
    for (const [round, repeats] of repeatsByRound(sink.accepted, [...starts, acceptedBeforeFinal])) {
      if (round < results.length) results[round]!.repeats = repeats;
    }
    const maxRepeatsPerKill = Math.max(0, ...results.map((entry) => entry.repeats));
    const midRun = results.filter((entry) => entry.phase !== 'exited').length;
    const notSent = Object.entries(ledger).filter(([status]) => status !== 'sent');
    const ok =
      finalExitCode === 0 &&
      tally.lost.length === 0 &&
      tally.duplicates.length === 0 &&
      tally.unexpected === 0 &&
      notSent.length === 0 &&
      maxRepeatsPerKill <= poolSize;

    const phases = (['starting', 'planning', 'sending'] as const).map((p) => `${results.filter((entry) => entry.phase === p).length} ${p}`);
    log('');
    log(`kills: ${midRun} of ${rounds} mid-run (${phases.join(', ')}), ${rounds - midRun} after the run had exited`);
    log(
      `accepted: ${sink.accepted.length} messages (${acceptedBeforeFinal} before the final run, ${acceptedByFinal} by it), ` +
        `${tally.resent} resends of a Message-ID already received`,
    );
    log(
      `repeats per kill: ${results.map((entry) => entry.repeats).join(', ')}; at most ${maxRepeatsPerKill}, ` +
        `${maxRepeatsPerKill <= poolSize ? 'within' : 'MORE THAN'} the pool size (${poolSize})`,
    );
    log(
      `ledger: ${Object.entries(ledger).map(([status, n]) => `${n} ${status}`).join(', ')}; ` +
        `${attempts.retried} digests took more than one claim, at most ${attempts.max}`,
    );
    log(`lost digests: ${tally.lost.length}${tally.lost.length > 0 ? ` (${tally.lost.slice(0, 5).join(', ')}…)` : ''}`);
    log(
      `subscribers with more than one distinct Message-ID: ${tally.duplicates.length}` +
        (tally.duplicates.length > 0 ? ` (${JSON.stringify(tally.duplicates.slice(0, 3))}…)` : ''),
    );
    if (tally.unexpected > 0) log(`messages to addresses that were not due: ${tally.unexpected}`);
    log(ok ? 'PASS: every subscriber got exactly one digest, and no kill resent more than was in flight' : 'FAIL');

    return {
      ok,
      subscribers,
      rounds: results,
      calibration,
      midRun,
      acceptedBeforeFinal,
      acceptedByFinal,
      finalExitCode,
      finalMs,
      ledger,
      poolSize,
      maxRepeatsPerKill,
      attempts,
      tally,
    };
  } finally {
    await sink?.close();
    store.remove();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '20' },
      subscribers: { type: 'string', default: '3000' },
      seed: { type: 'string', default: '1' },
      pool: { type: 'string', default: String(DEFAULT_POOL_SIZE) },
    },
  });
  runCrashDrill({ rounds: Number(values.rounds), subscribers: Number(values.subscribers), seed: Number(values.seed), poolSize: Number(values.pool) }).then(
    (result) => process.exit(result.ok ? 0 : 1),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
