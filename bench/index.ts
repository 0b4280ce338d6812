/**
 * `npm run bench`: every figure side by side, measured in one run on one
 * machine, so the ratios mean something even on a noisy host. Prints a
 * table and writes bench/results.json. `BENCH_SMOKE=1` runs the same code at
 * a tiny scale, only to prove it works (CI does this; its figures mean
 * nothing). `BENCH_LARGE=1` adds the full digest run at 1,000,000
 * subscribers, which sends a million emails (about 40 minutes here).
 */
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { keepLargeFigures, LARGE_TARGETS, previousResults, writeFigures, type BenchResults } from './performance-doc.js';
import { naiveDigests, pipeline, rawHandOff, type PipelineFigures } from './digest.bench.js';
import { idleTick, type IdleFigures } from './idle.bench.js';
import { feedbackPipeline } from './feedback.bench.js';
import { pruneBench } from './prune.bench.js';
import { startSink } from './smtp-sink.js';
import { storeBench, type Row } from './store.bench.js';
import { loadNotes, SUBSCRIBE_TARGET, subscribeBench, subscribeResults } from './subscribe.bench.js';
import { buildWorld } from './synthetic.js';

const SMOKE = process.env.BENCH_SMOKE === '1';
const LARGE = process.env.BENCH_LARGE === '1';
const SCALE = SMOKE
  ? { small: 1_000, large: 3_000, huge: 6_000, papers: 200, topics: 100, naive: 50, raw: 2_000, httpSeconds: 1, corpus: 500, storeTopics: 20, pruneReaders: 200, pruneDays: 5 }
  : { small: 10_000, large: 100_000, huge: 1_000_000, papers: 1_000, topics: 1_000, naive: 500, raw: 20_000, httpSeconds: 10, corpus: 20_000, storeTopics: 300, pruneReaders: 10_000, pruneDays: 100 };

// A smoke run's figures mean nothing, so they never replace the real ones.
const RESULTS = fileURLToPath(new URL(SMOKE ? './results.smoke.json' : './results.json', import.meta.url));
const round = (value: number, places = 1) => Number(value.toFixed(places));
const int = (value: number) => Math.round(value).toLocaleString('en');
const log = (line: string) => process.stderr.write(`${line}\n`);

log(`node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}${SMOKE ? ' (smoke run: figures mean nothing)' : ''}`);
const sink = await startSink();
try {
  log('store: ingest and matching…');
  const store = storeBench({ corpus: SCALE.corpus, topicCount: SCALE.storeTopics });

  // Nobody due: everyone sends at 23:00 local, and the ticks run in the early morning (UTC).
  const idleAt = async (subscribers: number) => {
    log(`idle tick: building ${int(subscribers)} subscribers, none due…`);
    const world = buildWorld({ subscribers, papers: SCALE.papers, topics: SCALE.topics, sendHour: 23 });
    try {
      log(`idle tick: ${int(subscribers)} subscribers…`);
      return await idleTick(sink, world);
    } finally {
      world.close();
    }
  };
  const idleSmall = await idleAt(SCALE.small);
  const idleHuge = await idleAt(SCALE.huge);

  const runAt = async (subscribers: number, then?: (world: ReturnType<typeof buildWorld>) => Promise<void>) => {
    log(`digest run: building ${int(subscribers)} subscribers, ${int(SCALE.papers)} papers, ${int(SCALE.topics)} topics…`);
    const world = buildWorld({ subscribers, papers: SCALE.papers, topics: SCALE.topics });
    try {
      log(`digest run: ${int(subscribers)} subscribers…`);
      const figures = await pipeline(sink, world);
      await then?.(world);
      return figures;
    } finally {
      world.close();
    }
  };
  let naive = { perSec: 0, sent: 0 };
  const small = await runAt(SCALE.small, async (world) => {
    log(`naive: MJML and nodemailer per email, ${SCALE.naive} digests…`);
    naive = await naiveDigests(sink, world, SCALE.naive);
  });
  const large = await runAt(SCALE.large);
  // A smoke run always takes this path too (at its tiny size), so CI proves it works.
  const huge = LARGE || SMOKE ? await runAt(SCALE.huge) : null;
  if (!huge) log(`digest run at ${int(SCALE.huge)} subscribers left out: BENCH_LARGE=1 runs it`);
  log(`digest run with reader feedback: ${int(SCALE.large)} subscribers, 10% with choices…`);
  const taught = await feedbackPipeline(sink, { subscribers: SCALE.large, papers: SCALE.papers, topics: SCALE.topics });

  log(`raw: ${int(SCALE.raw)} pre-built messages of ${int(large.messageBytes)} bytes…`);
  const raw = await rawHandOff(sink, { bytes: large.messageBytes, count: SCALE.raw });

  log(`prune: ${int(SCALE.pruneReaders * SCALE.pruneDays)} ledger rows, in one statement and in windows…`);
  const prune = await pruneBench({ readers: SCALE.pruneReaders, days: SCALE.pruneDays });

  log(`subscribe: autocannon, ${SCALE.httpSeconds} s per server…`);
  const http = await subscribeBench(sink, SCALE.httpSeconds);
  const subscribe = subscribeResults(http);

  const results = {
    digests_per_sec: round(large.digestsPerSec),
    digests_per_sec_feedback: round(taught.digestsPerSec),
    feedback_vs_plain: round(taught.digestsPerSec / Math.max(large.digestsPerSec, 1e-9), 3),
    peak_rss_mb_feedback: taught.peakRssMb === null ? null : round(taught.peakRssMb),
    naive_digests_per_sec: round(naive.perSec, 2),
    raw_smtp_per_sec: round(raw.perSec),
    peak_rss_mb_10k: small.peakRssMb === null ? null : round(small.peakRssMb),
    peak_rss_mb_100k: large.peakRssMb === null ? null : round(large.peakRssMb),
    match_seconds_10k: round(small.matchSeconds, 3),
    match_seconds_100k: round(large.matchSeconds, 3),
    plan_seconds_100k: round(large.planSeconds, 3),
    tick_idle_seconds_10k: round(idleSmall.seconds, 4),
    tick_idle_seconds_1m: round(idleHuge.seconds, 4),
    digests_per_sec_1m: huge ? round(huge.digestsPerSec) : null,
    peak_rss_mb_1m: huge?.peakRssMb == null ? null : round(huge.peakRssMb),
    match_seconds_1m: huge ? round(huge.matchSeconds, 3) : null,
    plan_seconds_1m: huge ? round(huge.planSeconds, 3) : null,
    ...subscribe.figures,
    prune_rows: prune.rows,
    prune_one_statement_seconds: round(prune.oneStatementSeconds, 2),
    prune_windowed_seconds: round(prune.windowedSeconds, 2),
    prune_longest_window_ms: round(prune.longestWindowMs, 0),
    message_bytes: large.messageBytes,
    runs: { small, large, huge, feedback: taught },
    idle: { small: idleSmall, huge: idleHuge },
    naive_sample: naive.sent,
    machine: { node: process.version, cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? null },
    smoke: SMOKE,
    measured_at: new Date().toISOString(),
  };

  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
  const mark = (met: boolean) => (met ? 'met' : 'NOT MET');
  const rssFlat = ratio(large.peakRssMb ?? 0, small.peakRssMb ?? 1);
  const matchFlat = ratio(large.matchSeconds, small.matchSeconds);
  const idleFlat = ratio(idleHuge.seconds, idleSmall.seconds);
  const peakRss = Math.max(...[small, large, huge].filter((run) => run !== null).map((run) => run.peakRssMb ?? Infinity));
  const pipelineRow = (run: PipelineFigures): Row => [
    `digest run, ${int(run.subscribers)} subscribers`,
    `${int(run.digestsPerSec)} digests/s`,
    `${int(run.sent)} sent, ${int(run.skipped)} skipped in ${run.seconds} s; planned in ${run.planSeconds} s, ` +
      `of which ${int(run.topics)} topics matched in ${run.matchSeconds} s; ` +
      `peak RSS ${run.peakRssMb === null ? 'n/a' : `${int(run.peakRssMb)} MB`}; ${int(run.messageBytes / 1024)} KB per email`,
  ];
  const idleRow = (subscribers: number, idle: IdleFigures): Row => [
    `tick with nobody due, ${int(subscribers)} subscribers`,
    `${(idle.seconds * 1000).toFixed(1)} ms`,
    `median of 7; the first tick, storing everyone's due time, took ${idle.firstSeconds} s`,
  ];
  const rows: Row[] = [
    ...store,
    pipelineRow(small),
    pipelineRow(large),
    ...(huge ? [pipelineRow(huge)] : []),
    idleRow(SCALE.small, idleSmall),
    idleRow(SCALE.huge, idleHuge),
    [`  the same with ${int(taught.readersWithChoices)} readers' models`, ...pipelineRow(taught).slice(1)] as Row,
    ['naive: mjml2html + nodemailer per email', `${round(naive.perSec, 1)} digests/s`, `${naive.sent} digests`],
    ['raw: pre-built message, same pool and sink', `${int(raw.perSec)} msgs/s`, `${int(large.messageBytes)} bytes each`],
    ['POST /subscribe (real app)', `${int(http.subscribe.rps)} req/s`, loadNotes(http.subscribe)],
    ['GET / (same app, cached page)', `${int(http.home.rps)} req/s`, loadNotes(http.home)],
    ['bare Fastify + one SQLite insert', `${int(http.bare.rps)} req/s`, `p99 ${http.bare.p99Ms} ms`],
    ['prune, one DELETE for the whole ledger', `${prune.oneStatementSeconds.toFixed(1)} s`, `${int(prune.rows)} ledger rows and ${int(prune.cascaded)} sent-paper rows, the write lock held throughout`],
    [`prune in windows of ${int(prune.window)} ids`, `${prune.windowedSeconds.toFixed(1)} s`, `the same rows; the lock held at most ${prune.longestWindowMs.toFixed(0)} ms at a time`],
  ];
  // Naive MJML is reported for context only: at about 10 ms an email here, 25 times it would be twice the raw limit.
  const targets: Row[] = [
    ['at least 1,000 digests/s', `${int(large.digestsPerSec)}`, mark(large.digestsPerSec >= 1000)],
    ['at least 0.7 of raw SMTP', `${ratio(large.digestsPerSec, raw.perSec).toFixed(2)}`, mark(ratio(large.digestsPerSec, raw.perSec) >= 0.7)],
    ['peak RSS at most 200 MB', `${int(peakRss)} MB`, mark(peakRss <= 200)],
    ['RSS at 100k at most 1.2x that at 10k', `${rssFlat.toFixed(2)}x`, mark(rssFlat <= 1.2)],
    ['match time at 100k at most 1.5x that at 10k', `${matchFlat.toFixed(2)}x`, mark(matchFlat <= 1.5)],
    ['idle tick at 1M at most 2x that at 10k', `${idleFlat.toFixed(2)}x`, mark(idleFlat <= 2)],
    ...(huge
      ? ([
          [LARGE_TARGETS[0], `${ratio(huge.digestsPerSec, large.digestsPerSec).toFixed(2)}`, mark(ratio(huge.digestsPerSec, large.digestsPerSec) >= 0.9)],
          [LARGE_TARGETS[1], `${ratio(huge.peakRssMb ?? 0, small.peakRssMb ?? 1).toFixed(2)}x`, mark(ratio(huge.peakRssMb ?? 0, small.peakRssMb ?? 1) <= 1.2)],
        ] satisfies Row[])
      : []),
    [SUBSCRIBE_TARGET, subscribe.target.value, mark(subscribe.target.met)],
    ['prune holds the write lock at most 0.5 s at a time (a tenth of the busy timeout)', `${(prune.longestWindowMs / 1000).toFixed(2)} s`, mark(prune.longestWindowMs <= 500)],
    ['with 10% of readers giving feedback, at least 0.85 of the plain run', `${ratio(taught.digestsPerSec, large.digestsPerSec).toFixed(2)}`, mark(ratio(taught.digestsPerSec, large.digestsPerSec) >= 0.85)],
    ['peak RSS with feedback at most 200 MB', `${int(taught.peakRssMb ?? 0)} MB`, mark((taught.peakRssMb ?? Infinity) <= 200)],
  ];
  const print = (title: string, table: Row[]) => {
    const width = Math.max(...table.map((row) => row[0].length));
    const figure = Math.max(...table.map((row) => row[1].length));
    console.log(`\n${title}`);
    for (const [name, value, note] of table) console.log(`  ${name.padEnd(width)}  ${value.padStart(figure)}  ${note}`);
  };
  print('Figures', rows);
  print('Targets', targets);
  const written: BenchResults = { ...results, targets: Object.fromEntries(targets.map(([name, value, met]) => [name, { value, met: met === 'met' }])) };
  // Smoke figures never mix with real ones; a real run without BENCH_LARGE=1 keeps the last large run's.
  fs.writeFileSync(RESULTS, `${JSON.stringify(SMOKE ? written : keepLargeFigures(written, previousResults(RESULTS)), null, 2)}\n`);
  console.log(`\nwrote ${RESULTS}`);
  if (!SMOKE) {
    writeFigures();
    console.log('updated docs/performance.md');
  }
} finally {
  sink.close();
}
