/**
 * `npm run bench:subscribe`: measures only `POST /subscribe` against the same
 * server's `GET /` (and the bare insert), as the full benchmark does, and
 * writes those figures and their target into bench/results.json, keeping the
 * rest. The two figures are still measured side by side in one run; the
 * results say when (`subscribe_measured_at`), and docs/performance.md says so.
 * For work on the subscribe path without an hour of digest runs.
 */
import { writeFigures, readResults, RESULTS_FILE } from './performance-doc.js';
import fs from 'node:fs';
import { startSink } from './smtp-sink.js';
import { SUBSCRIBE_TARGET, subscribeBench, subscribeResults } from './subscribe.bench.js';

const sink = await startSink();
try {
  process.stderr.write('subscribe: autocannon, 10 s per server…\n');
  const measured = subscribeResults(await subscribeBench(sink, 10));
  const results = readResults();
  const updated = {
    ...results,
    ...measured.figures,
    subscribe_measured_at: new Date().toISOString(),
    targets: { ...results.targets, [SUBSCRIBE_TARGET]: measured.target },
  };
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(updated, null, 2)}\n`);
  writeFigures(updated);
  console.log(`${JSON.stringify(measured.figures)}\n${SUBSCRIBE_TARGET}: ${measured.target.value} (${measured.target.met ? 'met' : 'NOT MET'})`);
  console.log(`wrote ${RESULTS_FILE} and docs/performance.md`);
} finally {
  sink.close();
}
