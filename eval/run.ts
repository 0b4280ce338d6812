// npm run eval:relevance: micro precision and recall of topic matching on the
// labelled set, against the committed baseline. `--write-baseline` records
// the current figures after a change that is meant to move them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BASELINE_FILE, evaluate, evaluationStore, expandedMatcher, plainMatcher, readBaseline, readLabels, regressions } from './relevance.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-eval-'));
const db = evaluationStore(path.join(dir, 'eval.db'));
try {
  const labels = readLabels();
  const plain = evaluate(labels, plainMatcher(db));
  const current = evaluate(labels, expandedMatcher(db));
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const verbose = process.argv.includes('--verbose');
  for (const topic of current.topics) {
    console.log(`${pct(topic.precision).padStart(6)} P ${pct(topic.recall).padStart(6)} R  ${topic.topic}`);
    if (verbose && (topic.missed.length || topic.wrong.length)) console.log(`        missed: ${topic.missed.join(' ')}\n        wrong: ${topic.wrong.join(' ')}`);
  }
  console.log(`\n${labels.length} topics, ${labels.reduce((n, t) => n + t.relevant.length, 0)} relevant pairs`);
  console.log(`plain porter matching:   precision ${pct(plain.precision)}  recall ${pct(plain.recall)}`);
  console.log(`paperboy matching:       precision ${pct(current.precision)}  recall ${pct(current.recall)}`);

  if (process.argv.includes('--write-baseline')) {
    fs.writeFileSync(BASELINE_FILE, `${JSON.stringify({ precision: current.precision, recall: current.recall }, null, 2)}\n`);
    console.log(`baseline written to ${path.relative(process.cwd(), BASELINE_FILE)}`);
  } else {
    const baseline = readBaseline();
    const worse = regressions(current, baseline);
    console.log(`baseline:                precision ${pct(baseline.precision)}  recall ${pct(baseline.recall)}`);
    if (worse.length > 0) {
      console.error(`worse than the baseline: ${worse.join('; ')}`);
      process.exitCode = 1;
    }
  }
} finally {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
