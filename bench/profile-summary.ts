/**
 * Sums up a V8 CPU profile (`node --cpu-prof`) of a digest run: self time
 * per stage of the pipeline, per digest sent, and the functions with the
 * most self time. A native or built-in function (no script of its own, such
 * as Buffer.concat or a string's replace) counts toward the stage of the
 * script that called it, so "MIME" includes the base64 it asks Node for.
 */

export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/** Stages by the script a function lives in (and, for a few, its name), first match wins. */
const STAGES: Array<[stage: string, pattern: RegExp, name?: RegExp]> = [
  // The words a topic matched in a paper, for its card: a query per card built, so a rendering cost.
  ['rendering: card highlights (FTS5)', /\/topics\/topic-matcher\./, /^matchedTerms$/],
  ['SMTP hand-off (nodemailer)', /nodemailer\/|\/mail\/smtp-pool\./],
  ['SMTP hand-off (node streams, sockets)', /^node:(net|stream|internal\/streams|internal\/stream_base|internal\/net|events|internal\/timers|internal\/process\/task_queues|buffer|internal\/buffer)/],
  ['MIME', /\/mail\/mime\.|\/mail\/mailer\./],
  ['rendering', /handlebars|\/mail\/(template-compiler|email-templates|digest-email)\.|\/digest\/(digest-view|term-highlight|digest-composer|paper-card)|\/src\/text\.|\/dist\/text\.|\/subscriptions\/(subscriber-links|tokens)\./],
  ['ledger and reads (SQLite)', /better-sqlite3|repository\.|\/db\//],
  ['planning, matching, ranking', /\/digest\/(digest-planner|digest-key|local-time|message-id)\.|\/ranking\/|\/topics\//],
  ['sending loop', /\/digest\/(digest-sender|digest\.service|acceptance)|\/mail\/(send-errors|mail-transport|send-quota)\.|\/metrics\//],
];

const SPECIAL = new Map([
  ['(garbage collector)', 'garbage collection'],
  ['(idle)', 'idle (waiting on the sink)'],
  ['(program)', 'V8 and native, unattributed'],
  ['(root)', 'V8 and native, unattributed'],
]);

/** Node's own helpers that work for whoever calls them (an HMAC for a link token, a random id), like a native function. */
const SERVES_CALLER = /^node:(crypto$|internal\/(crypto|util)\/)/;

function stageOf(url: string, functionName: string): string | null {
  if (!url || SERVES_CALLER.test(url)) return null;
  for (const [stage, pattern, name] of STAGES) if (pattern.test(url) && (!name || name.test(functionName))) return stage;
  return 'other (start-up, CLI, libraries)';
}

export interface ProfileSummary {
  totalMs: number;
  stages: Array<{ stage: string; ms: number }>;
  functions: Array<{ name: string; where: string; stage: string; ms: number }>;
}

export function profileTotals(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const stageById = new Map<number, string>();
  const root = profile.nodes[0]!;
  // Depth-first from the root: a frame without a script (or a helper of Node's own) takes its caller's stage.
  const stack: Array<[id: number, inherited: string]> = [[root.id, SPECIAL.get('(root)')!]];
  while (stack.length > 0) {
    const [id, inherited] = stack.pop()!;
    const node = byId.get(id)!;
    const stage = SPECIAL.get(node.callFrame.functionName) ?? stageOf(node.callFrame.url, node.callFrame.functionName) ?? inherited;
    stageById.set(id, stage);
    for (const child of node.children ?? []) stack.push([child, stage]);
  }
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const stages = new Map<string, number>();
  const functions = new Map<string, { name: string; where: string; stage: string; ms: number }>();
  let totalMs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const stage = stageById.get(id)!;
    const ms = us / 1000;
    totalMs += ms;
    stages.set(stage, (stages.get(stage) ?? 0) + ms);
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^.*\/(node_modules|dist|src)\//, '$1/')}:${lineNumber + 1}` : '(native)';
    const key = `${functionName}\u0000${where}\u0000${stage}`;
    const entry = functions.get(key) ?? { name: functionName || '(anonymous)', where, stage, ms: 0 };
    entry.ms += ms;
    functions.set(key, entry);
  }
  return {
    totalMs,
    stages: [...stages].map(([stage, ms]) => ({ stage, ms })).sort((a, b) => b.ms - a.ms),
    functions: [...functions.values()].sort((a, b) => b.ms - a.ms),
  };
}

/** A plain-text table: each stage's share and milliseconds per digest, then the top functions. */
export function summarizeProfile(profile: CpuProfile, digests: number, top = 20): string {
  const { totalMs, stages, functions } = profileTotals(profile);
  const perDigest = (ms: number) => (digests > 0 ? (ms / digests).toFixed(3) : 'n/a');
  const busyMs = totalMs - (stages.find((s) => s.stage.startsWith('idle'))?.ms ?? 0);
  const lines = [
    `${(totalMs / 1000).toFixed(1)} s sampled, ${(busyMs / 1000).toFixed(1)} s busy; ${digests} digests, ${perDigest(busyMs)} ms busy per digest`,
    '',
    'stage                                     share   ms/digest',
    ...stages.map(({ stage, ms }) => `${stage.padEnd(40)} ${((100 * ms) / totalMs).toFixed(1).padStart(5)}%   ${perDigest(ms)}`),
    '',
    `top ${top} functions by self time`,
    ...functions.slice(0, top).map((f) => `${((100 * f.ms) / totalMs).toFixed(1).padStart(5)}%  ${perDigest(f.ms)} ms  ${f.name}  ${f.where}  [${f.stage}]`),
  ];
  return lines.join('\n');
}
