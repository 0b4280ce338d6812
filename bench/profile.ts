/**
 * The digest run against the raw hand-off at a size of your choosing, with an
 * optional CPU profile of the run summed up per stage. Meant for working on
 * the pipeline without the full benchmark (which takes minutes and writes
 * bench/results.json; this writes nothing but the profile):
 *
 *   npm run build && tsx bench/profile.ts --subscribers 10000 [--raw 5000] [--profile] [--feedback]
 *
 * With `--profile` the run is `node --cpu-prof`, and its profile is left in
 * bench/profiles/ and summed up here: self time per stage and the functions
 * that cost the most. The profiler slows the run, so the ratio it prints
 * beside a profile is only a hint; run once without `--profile` for figures.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pipeline, rawHandOff } from './digest.bench.js';
import { feedbackPipeline } from './feedback.bench.js';
import { startSink } from './smtp-sink.js';
import { buildWorld } from './synthetic.js';
import { summarizeProfile, type CpuProfile } from './profile-summary.js';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '10000' },
    papers: { type: 'string', default: '1000' },
    topics: { type: 'string', default: '1000' },
    raw: { type: 'string', default: '5000' },
    profile: { type: 'boolean', default: false },
    /** The world of the feedback case: a tenth of the readers hold choices and a model. */
    feedback: { type: 'boolean', default: false },
  },
});
const PROFILES = fileURLToPath(new URL('./profiles/', import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);

const sink = await startSink();
try {
  log(`building ${values.subscribers} subscribers, ${values.papers} papers, ${values.topics} topics…`);
  const size = { subscribers: Number(values.subscribers), papers: Number(values.papers), topics: Number(values.topics) };
  const started = Date.now();
  const nodeArgs = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILES}`, `--cpu-prof-name=digest-${started}.cpuprofile`] : [];
  log(`digest run${values.feedback ? ' with readers\' models' : ''}${values.profile ? ' (profiled)' : ''}…`);
  let run;
  if (values.feedback) run = await feedbackPipeline(sink, size, nodeArgs);
  else {
    const world = buildWorld(size);
    try {
      run = await pipeline(sink, world, nodeArgs);
    } finally {
      world.close();
    }
  }
  log(`raw: ${values.raw} pre-built messages of ${run.messageBytes} bytes…`);
  const raw = await rawHandOff(sink, { bytes: run.messageBytes, count: Number(values.raw) });
  console.log(
    `digest run: ${run.sent} sent in ${run.seconds} s, ${run.digestsPerSec.toFixed(1)} digests/s, ${Math.round(run.messageBytes / 1024)} KB each, ` +
      `peak RSS ${run.peakRssMb?.toFixed(0) ?? 'n/a'} MB; planning ${run.planSeconds.toFixed(1)} s, matching ${run.matchSeconds.toFixed(1)} s`,
  );
  console.log(`raw: ${raw.perSec.toFixed(1)} msgs/s; ratio ${(run.digestsPerSec / raw.perSec).toFixed(2)}`);
  // On a busy machine wall time shakes; CPU time per message much less. Start-up (about a second) is in the run's CPU time.
  if (run.cpuSeconds !== null) {
    const perDigest = (1000 * run.cpuSeconds) / run.sent;
    console.log(
      `CPU per message: digest run ${perDigest.toFixed(3)} ms, raw ${raw.cpuMsPerMessage.toFixed(3)} ms; CPU ratio ${(raw.cpuMsPerMessage / perDigest).toFixed(2)}`,
    );
  }
  if (values.profile) {
    const file = path.join(PROFILES, `digest-${started}.cpuprofile`);
    const summary = summarizeProfile(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, run.sent);
    console.log(`\nprofile: ${file}\n${summary}`);
  }
} finally {
  sink.close();
}
