// npm run eval:feedback: precision@5 of simulated readers' digests on day 1
// and day 10, ranked by topics alone and with each kind of reader model.
// Exits 1 when the model the digest uses misses the bars.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_MODEL } from '../src/feedback/reader-model.js';
import { rankers, SETTINGS, simulate, simulationWorld, thresholdFailures } from './feedback.js';
import { evaluationStore, readLabels } from './relevance.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-eval-'));
const db = evaluationStore(path.join(dir, 'eval.db'));
try {
  const world = simulationWorld(db, readLabels());
  const curves = simulate(world, rankers());
  const last = SETTINGS.days - 1;
  console.log(`${world.interests.length} hidden interests x ${SETTINGS.repeats} runs, ${world.papers.length} papers over ${SETTINGS.days} days`);
  console.log(`each reader marks ${SETTINGS.markRate * 100}% of what they are shown, ${SETTINGS.noise * 100}% of marks the wrong way round\n`);
  console.log(`${'ranking'.padEnd(14)} P@${SETTINGS.shown} day 1   P@${SETTINGS.shown} day ${SETTINGS.days}   by day`);
  for (const curve of curves) {
    const days = curve.byDay.map((p) => p.toFixed(2)).join(' ');
    console.log(`${curve.name.padEnd(14)} ${curve.byDay[0]!.toFixed(3).padStart(9)}   ${curve.byDay[last]!.toFixed(3).padStart(10)}   ${days}`);
  }
  const topicsOnly = curves[0]!;
  const best = curves.slice(1).reduce((a, b) => (b.byDay[last]! > a.byDay[last]! ? b : a));
  console.log(`\nbest on day ${SETTINGS.days}: ${best.name}; the digest uses ${DEFAULT_MODEL}`);
  const failures = thresholdFailures(topicsOnly, curves.find((curve) => curve.name === DEFAULT_MODEL)!);
  if (failures.length > 0) {
    console.error(`below the bars: ${failures.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log(`${DEFAULT_MODEL} beats topics only by at least 0.10 on day ${SETTINGS.days} and is never worse on day 1`);
  }
} finally {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
