/**
 * The fault drill: the real digest services in this process, sending to a
 * real SMTP server that misbehaves as relays do. It answers 451 to a fifth
 * of the messages, hangs up in the middle of DATA on one in twenty, and
 * refuses a fixed set of addresses with 550 at RCPT TO. Scheduler ticks run
 * every five minutes of simulated time until nothing waits.
 *
 * Every other subscriber must end with exactly one distinct Message-ID,
 * every refused address must be suppressed after one try, no row may be
 * left failed, pending or sending, and it must all fit in the retry budget.
 *
 *   tsx scripts/fault-drill.ts [--subscribers 10000] [--seed 1]
 *
 * Exits 0 when all of that holds, 1 otherwise.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import type { Db } from '../src/db/connection.js';
import { RETRY, retryDelayMs } from '../src/digest/digest-sender.js';
import type { Logger } from '../src/logger.js';
import { createServices, type Services } from '../src/services.js';
import { createDrillStore, DRILL_SECRET, ledgerCounts, tallyMessageIds, type Tally } from '../test/kit/drill-store.js';
import { type SmtpSink, type SmtpSinkOptions, startSmtpSink } from '../test/kit/smtp-sink.js';

/** How often the scheduler ticks (DIGEST_SCHEDULE's default), in simulated time. */
const TICK_MS = 5 * 60_000;
const DROP_RATE = 0.05;
const TEMPFAIL_RATE = 0.2;

/**
 * The most ticks a digest can need: its first attempt, then each retry at the
 * first tick after its backoff (1, 2, 4 … minutes, at most an hour).
 */
function budgetTicks(): number {
  let ticks = 1;
  for (let attempt = 1; attempt < RETRY.maxAttempts; attempt += 1) ticks += Math.ceil(retryDelayMs(attempt) / TICK_MS);
  return ticks;
}

export interface FaultDrillOptions {
  subscribers: number;
  seed: number;
  /** Addresses the relay refuses for good; spread evenly over the subscribers. */
  refused?: number;
  log?: (line: string) => void;
}

export interface FaultDrillResult {
  ok: boolean;
  subscribers: number;
  /** Faults the relay actually answered with. */
  injected: { tempFailures: number; drops: number; refusals: number };
  ticks: number;
  budgetTicks: number;
  simulatedMinutes: number;
  /** Ticks that stopped early because the relay looked down; each may delay the rest by one tick. */
  relayDownTicks: number;
  /** The most attempts any delivery took. */
  maxAttempts: number;
  ledger: Record<string, number>;
  tally: Tally;
  /** Deliverable subscribers whose every attempt drew a fault: failed after the retry budget, as designed. */
  gaveUp: string[];
  /** Refused addresses that were not suppressed after exactly one try, with why. */
  unsuppressed: string[];
  /** Error lines the services logged. */
  errors: string[];
}

/** The fault a message draws: a pure function of the seed, the address and which attempt this is, so reruns draw the same. */
function draw(seed: number, address: string, attempt: number): number {
  return createHash('sha256').update(`${seed}/${address}/${attempt}`).digest().readUInt32BE(0) / 2 ** 32;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** The sink's hooks that make it misbehave, and the record of what it did. */
function faultyRelay(seed: number, refusing: ReadonlySet<string>) {
  const injected = { tempFailures: 0, drops: 0, refusals: 0 };
  const rcptTries = new Map<string, number>();
  // DATA begun per address: one digest per subscriber, so this is the attempt number.
  const dataTries = new Map<string, number>();
  const faults = new Map<string, number>();
  const bump = (counts: Map<string, number>, address: string) => counts.set(address, (counts.get(address) ?? 0) + 1);
  const fault = (address: string) => draw(seed, address, dataTries.get(address) ?? 0);

  const hooks: SmtpSinkOptions = {
    keepMessages: false,
    onRcpt: (address) => {
      bump(rcptTries, address);
      if (!refusing.has(address)) return null;
      injected.refusals += 1;
      return smtpError(550, '5.1.1 No such user here');
    },
    onDataStart: ({ envelopeTo: [address = ''] }) => {
      bump(dataTries, address);
      if (fault(address) >= DROP_RATE) return null;
      injected.drops += 1;
      bump(faults, address);
      return 'drop';
    },
    onData: ({ envelopeTo: [address = ''] }) => {
      if (fault(address) >= DROP_RATE + TEMPFAIL_RATE) return null;
      injected.tempFailures += 1;
      bump(faults, address);
      return smtpError(451, '4.3.0 Try again later');
    },
  };
  return { hooks, injected, rcptTries, faults };
}

/** Runs a scheduler tick every TICK_MS of simulated time until no delivery waits, or well past the budget. */
async function tickUntilDone(services: Services, db: Db, start: string, log: (line: string) => void) {
  const open = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM deliveries WHERE status IN ('pending', 'sending')");
  const started = Date.parse(start);
  const wallStart = performance.now();
  let ticks = 0;
  let relayDownTicks = 0;
  // The hard stop is well past the budget, so a drill that overruns still ends and says by how much.
  while (ticks < budgetTicks() * 3) {
    const minutes = (ticks * TICK_MS) / 60_000;
    const summary = await services.digests.run({ now: new Date(started + ticks * TICK_MS) });
    ticks += 1;
    if (summary.relayDown) relayDownTicks += 1;
    if (summary.sent + summary.retried + summary.bounced + summary.failed > 0) {
      log(
        `tick ${String(ticks).padStart(2)} at +${String(minutes).padStart(3)} min: ${summary.sent} sent, ${summary.retried} retried, ` +
          `${summary.bounced} bounced, ${summary.failed} failed${summary.relayDown ? ', relay looked down' : ''}`,
      );
    }
    if (open.get()!.n === 0) break;
  }
  return { ticks, relayDownTicks, wallSeconds: (performance.now() - wallStart) / 1000 };
}

export async function runFaultDrill({
  subscribers,
  seed,
  refused = Math.max(3, Math.floor(subscribers / 50)),
  log = (line) => console.log(line),
}: FaultDrillOptions): Promise<FaultDrillResult> {
  const store = createDrillStore({ subscribers, seed });
  const step = subscribers / refused;
  const refusing = new Set(Array.from({ length: refused }, (_, i) => store.emails[Math.floor(i * step)]!));
  const relay = faultyRelay(seed, refusing);
  const errors: string[] = [];
  const logger = {
    info() {},
    debug() {},
    warn() {},
    error: (fields: unknown, message?: string) => errors.push(typeof fields === 'string' ? fields : (message ?? '')),
  } as unknown as Logger;
  let sink: SmtpSink | undefined;
  let services: Services | undefined;
  try {
    sink = await startSmtpSink(relay.hooks);
    const config = loadConfig({ DATABASE_PATH: store.file, SECRET_KEY: DRILL_SECRET, SMTP_URL: sink.url, LOG_LEVEL: 'silent' });
    services = await createServices(store.db, config, { logger });
    log(`fault drill: ${subscribers} subscribers (${refused} refused at RCPT TO), seed ${seed}`);
    const { ticks, relayDownTicks, wallSeconds } = await tickUntilDone(services, store.db, store.now, log);

    const ledger = ledgerCounts(store.db);
    const tally = tallyMessageIds(sink.accepted, store.emails.filter((email) => !refusing.has(email)));
    const rows = store.db
      .prepare<[], { email: string; status: string; attempts: number }>(
        'SELECT s.email, d.status, d.attempts FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id',
      )
      .all();
    const rowOf = new Map(rows.map((row) => [row.email, row]));
    const gaveUp = rows
      .filter((row) => row.status === 'failed' && row.attempts === RETRY.maxAttempts && relay.faults.get(row.email) === RETRY.maxAttempts)
      .map((row) => row.email);
    const unsuppressed = [...refusing].flatMap((email) => {
      const problems = [];
      if (services!.subscribers.findByEmail(email)?.status !== 'bounced') problems.push('subscriber not bounced');
      if (rowOf.get(email)?.status !== 'bounced') problems.push(`ledger ${rowOf.get(email)?.status ?? 'missing'}`);
      if (relay.rcptTries.get(email) !== 1) problems.push(`${relay.rcptTries.get(email) ?? 0} tries at RCPT TO`);
      return problems.length > 0 ? [`${email}: ${problems.join(', ')}`] : [];
    });
    const maxAttempts = Math.max(0, ...rows.map((row) => row.attempts));
    const lost = tally.lost.filter((email) => !gaveUp.includes(email));
    const unexplainedFailures = (ledger.failed ?? 0) - gaveUp.length;
    const stuck = (ledger.pending ?? 0) + (ledger.sending ?? 0);
    const budget = budgetTicks();
    const withinBudget = ticks <= budget + relayDownTicks;
    const ok =
      lost.length === 0 &&
      tally.duplicates.length === 0 &&
      tally.unexpected === 0 &&
      unsuppressed.length === 0 &&
      unexplainedFailures === 0 &&
      stuck === 0 &&
      withinBudget;

    const { injected } = relay;
    const simulatedMinutes = ((ticks - 1) * TICK_MS) / 60_000;
    log('');
    log(`faults injected: ${injected.tempFailures} answered 451, ${injected.drops} dropped mid-DATA, ${injected.refusals} refused with 550 at RCPT TO`);
    log(
      `ticks: ${ticks} of a budget of ${budget} (${simulatedMinutes} simulated minutes, ${wallSeconds.toFixed(1)} s of real time)` +
        `${relayDownTicks > 0 ? `, ${relayDownTicks} stopped early with the relay looking down` : ''}; at most ${maxAttempts} attempts for one digest`,
    );
    log(`ledger: ${Object.entries(ledger).map(([status, n]) => `${n} ${status}`).join(', ')}`);
    log(`accepted: ${sink.accepted.length} messages, ${tally.resent} resends of a Message-ID already received`);
    log(`lost digests: ${lost.length}${lost.length > 0 ? ` (${lost.slice(0, 5).join(', ')}…)` : ''}`);
    log(`subscribers with more than one distinct Message-ID: ${tally.duplicates.length}`);
    log(`refused addresses suppressed after one try: ${refused - unsuppressed.length} of ${refused}`);
    for (const line of unsuppressed.slice(0, 5)) log(`  ${line}`);
    if (gaveUp.length > 0) log(`given up after ${RETRY.maxAttempts} attempts that all drew a fault, as designed: ${gaveUp.length}`);
    if (unexplainedFailures !== 0) log(`failed rows not explained by the faults drawn: ${unexplainedFailures}`);
    if (stuck > 0) log(`rows still pending or sending: ${stuck}`);
    if (!withinBudget) log(`over the retry budget by ${ticks - budget - relayDownTicks} ticks`);
    if (tally.unexpected > 0) log(`messages accepted for refused addresses: ${tally.unexpected}`);
    if (errors.length > 0) log(`errors logged: ${errors.length} (${[...new Set(errors)].slice(0, 3).join('; ')})`);
    log(ok ? 'PASS: every deliverable subscriber got exactly one digest within the retry budget' : 'FAIL');

    return {
      ok,
      subscribers,
      injected,
      ticks,
      budgetTicks: budget,
      simulatedMinutes,
      relayDownTicks,
      maxAttempts,
      ledger,
      tally: { ...tally, lost },
      gaveUp,
      unsuppressed,
      errors,
    };
  } finally {
    await services?.close();
    await sink?.close();
    store.remove();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { values } = parseArgs({
    options: { subscribers: { type: 'string', default: '10000' }, seed: { type: 'string', default: '1' } },
  });
  runFaultDrill({ subscribers: Number(values.subscribers), seed: Number(values.seed) }).then(
    (result) => process.exit(result.ok ? 0 : 1),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
