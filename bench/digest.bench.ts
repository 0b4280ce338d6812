/**
 * The digest pipeline against its baselines, all into the same SMTP sink:
 *   - the real thing: `paperboy digest` (the built CLI) over a prepared store;
 *   - the naive way: MJML compiled and nodemailer composing, per email;
 *   - the physical limit: a pre-built message of the same size handed raw to
 *     the same pool.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';
import nodemailer from 'nodemailer';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/connection.js';
import { draftOf } from '../src/digest/digest-composer.js';
import type { RunSummary } from '../src/digest/digest.service.js';
import type { DigestEmailProps } from '../src/mail/digest-email.js';
import { smtpTransport } from '../src/mail/mail-transport.js';
import { silentLogger } from '../src/logger.js';
import { TEMPLATES_DIR } from '../src/paths.js';
import { createServices } from '../src/services.js';
import type { Sink } from './smtp-sink.js';
import type { World } from './synthetic.js';
import { RUN_AT } from '../test/kit/synthetic.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const BENCH_SECRET = 'bench-secret-key-that-is-long-enough-0123456789';

/**
 * The memory settings the Docker image runs with (Node's heap cap, glibc's
 * arena count), read from the Dockerfile's ENV so the benchmark measures the
 * process as it is deployed.
 */
export const DEPLOYED_ENV: Readonly<Record<string, string>> = Object.fromEntries(
  ['NODE_OPTIONS', 'MALLOC_ARENA_MAX'].flatMap((name) => {
    const value = new RegExp(`^\\s*${name}=(\\S+)`, 'm').exec(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
    return value === undefined ? [] : [[name, value]];
  }),
);

/** The settings every process of the benchmark shares; the pool size is the default's. */
export function benchEnv(world: World, sink: Sink): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    DATABASE_PATH: world.file,
    SMTP_URL: sink.url,
    SECRET_KEY: BENCH_SECRET,
    PUBLIC_URL: 'https://paperboy.example',
    MAIL_FROM: 'paperboy <digest@paperboy.example>',
    LOG_LEVEL: 'silent',
    DIGEST_SCHEDULE: 'off',
  };
}

export interface PipelineFigures {
  subscribers: number;
  sent: number;
  skipped: number;
  seconds: number;
  digestsPerSec: number;
  matchSeconds: number;
  /** Finding who is due and planning their digests, matching included. */
  planSeconds: number;
  topics: number;
  /** The run's process at its peak (VmHWM), start-up included. */
  peakRssMb: number | null;
  /** CPU time (user and system) of the run's process, start-up included; less shaken than wall time by a busy machine. */
  cpuSeconds: number | null;
  messageBytes: number;
}

/** User and system CPU seconds a process has used so far, from /proc; null where there is no /proc. */
export function cpuSecondsOf(pid: number): number | null {
  try {
    // Fields after the command name (which may hold spaces); utime and stime are the 12th and 13th, in clock ticks of 1/100 s.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The most memory the process has held so far, from /proc; null where there is no /proc. */
function highWaterMb(pid: number): number | null {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * One scheduler tick by the built CLI, exactly as cron or an operator would
 * run it, over a prepared store whose subscribers are all due. The store is
 * built by the caller, so the run's memory is its own. `nodeArgs` go to
 * node before the script (`--cpu-prof` for bench/profile.ts).
 */
export async function pipeline(sink: Sink, world: World, nodeArgs: readonly string[] = []): Promise<PipelineFigures> {
  sink.reset();
  const child = spawn(process.execPath, [...nodeArgs, 'bin/paperboy.js', 'digest', '--now', RUN_AT.toISOString(), '--json'], {
    cwd: ROOT,
    env: { ...benchEnv(world, sink), ...DEPLOYED_ENV },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  let peak: number | null = null;
  let cpu: number | null = null;
  const poll = setInterval(() => {
    const now = highWaterMb(child.pid!);
    if (now !== null) peak = Math.max(peak ?? 0, now);
    cpu = cpuSecondsOf(child.pid!) ?? cpu;
  }, 50);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(poll);
  if (code !== 0) throw new Error(`paperboy digest exited with ${code}`);
  const summary = JSON.parse(stdout) as RunSummary;
  const counts = await sink.counts();
  return {
    subscribers: summary.due,
    sent: summary.sent,
    skipped: summary.skipped,
    seconds: summary.seconds,
    digestsPerSec: summary.sent / summary.seconds,
    matchSeconds: summary.matchSeconds,
    planSeconds: summary.planSeconds,
    topics: summary.topics,
    peakRssMb: peak,
    cpuSeconds: cpu,
    messageBytes: counts.messages > 0 ? Math.round(counts.bytes / counts.messages) : 0,
  };
}

/** Runs `send` for each of `count` items, `concurrency` at a time, as the digest sender does; returns seconds. */
async function inParallel(count: number, concurrency: number, send: (index: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await send(next++);
    }),
  );
  return (performance.now() - started) / 1000;
}

/**
 * The ceiling: a message of `bytes` built once, handed to the same pooled
 * transport (same pool size, same concurrency as the digest sender), so
 * only SMTP and the sink remain.
 */
export async function rawHandOff(sink: Sink, { bytes, count }: { bytes: number; count: number }): Promise<{ perSec: number; cpuMsPerMessage: number }> {
  const config = loadConfig({ SMTP_URL: sink.url, SECRET_KEY: BENCH_SECRET });
  const transport = smtpTransport(sink.url, null, { maxConnections: config.smtpPoolSize });
  const head = 'From: paperboy <digest@paperboy.example>\r\nTo: reader@bench.example\r\nSubject: raw\r\nMessage-ID: <raw@paperboy.example>\r\n\r\n';
  const line = `${'x'.repeat(76)}\r\n`;
  const raw = Buffer.from(head + line.repeat(Math.max(1, Math.round((bytes - head.length) / line.length))));
  const email = { to: 'reader@bench.example', subject: 'raw', text: '', html: '', messageId: '<raw@paperboy.example>', headers: {} };
  try {
    await transport.send({ envelope: { from: 'digest@paperboy.example', to: 'warm@bench.example' }, messageId: email.messageId, raw, email });
    const cpu = process.cpuUsage();
    const seconds = await inParallel(count, config.smtpPoolSize, (i) =>
      transport.send({ envelope: { from: 'digest@paperboy.example', to: `reader${i}@bench.example` }, messageId: email.messageId, raw, email }),
    );
    const used = process.cpuUsage(cpu);
    return { perSec: count / seconds, cpuMsPerMessage: (used.user + used.system) / 1000 / count };
  } finally {
    await transport.close();
  }
}

/**
 * What paperboy would be without a compiled template or its own MIME: per
 * email, the MJML source filled with the digest's values and compiled, then
 * composed and sent by nodemailer. It sends digests the real run planned
 * (read back from its ledger) through the same pool size into the same sink.
 * It also fills the compiled template once per email, for the subject and
 * text part: a tenth of a millisecond beside MJML's tens.
 */
export async function naiveDigests(sink: Sink, world: World, count: number): Promise<{ perSec: number; sent: number }> {
  const db = openDatabase(world.file);
  const config = loadConfig(benchEnv(world, sink));
  const services = await createServices(db, config, { logger: silentLogger });
  const fill = Handlebars.create().compile<DigestEmailProps>(fs.readFileSync(path.join(TEMPLATES_DIR, 'digest.mjml'), 'utf8'));
  const transporter = nodemailer.createTransport({
    pool: true,
    maxConnections: config.smtpPoolSize,
    maxMessages: 1000,
    host: '127.0.0.1',
    port: Number(new URL(sink.url).port),
  });
  const rows = db
    .prepare<[number], { id: number; subscriber_id: number }>("SELECT id, subscriber_id FROM deliveries WHERE status = 'sent' ORDER BY id LIMIT ?")
    .all(count);
  try {
    const seconds = await inParallel(rows.length, config.smtpPoolSize, async (i) => {
      const subscriber = services.subscribers.findById(rows[i]!.subscriber_id)!;
      const delivery = services.deliveries.findForSubscriber(rows[i]!.id, subscriber.id)!;
      const email = services.composer.email(subscriber, delivery);
      const draft = draftOf(delivery, subscriber.timezone);
      const props = services.composer.props(subscriber, draft, 'email', services.links.url('unsubscribe', subscriber));
      const { html } = await mjml2html(fill(props), { filePath: path.join(TEMPLATES_DIR, 'digest.mjml'), ignoreIncludes: false, includePath: TEMPLATES_DIR, fonts: {} });
      await transporter.sendMail({
        from: config.mailFrom,
        to: email.to,
        subject: email.subject,
        messageId: email.messageId,
        headers: email.headers,
        text: email.text,
        html,
        textEncoding: 'base64',
      });
    });
    return { perSec: rows.length / seconds, sent: rows.length };
  } finally {
    transporter.close();
    await services.close();
    db.close();
  }
}

