/**
 * Two simulated days of paperboy, driven the way an operator drives it:
 * `paperboy ingest` and an hourly `paperboy digest --now …`, with ten readers
 * in five time zones who subscribed and confirmed through the real web app.
 * Mail goes to the built-in outbox. At the end every reader's inbox is
 * compared with what they should have received, written out by hand below.
 *
 *   npm run demo
 *
 * Exits 0 when every inbox is exactly right, 1 otherwise.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { Outbox } from '../src/mail/outbox.js';
import { createServices } from '../src/services.js';
import { openStore } from '../src/store.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SECRET_KEY = 'two-day-demo-secret-key-0123456789abcdef';
const PUBLIC_URL = 'http://localhost:3000';
const START = Date.parse('2026-12-01T00:00:00Z');
const HOURS = 48;
/** Day two's papers arrive at the start of this hour (UTC), before that hour's run. */
const SECOND_INGEST_HOUR = 24;
/** The reader who unsubscribes with their mail client's button after their first digest, at this hour. */
const UNSUBSCRIBE_HOUR = 12;

interface DemoPaper {
  id: string;
  title: string;
  upvotes: number;
  publishedAt: string;
}

const DAY_ONE: DemoPaper[] = [
  { id: '2612.00001', title: 'Zebrafish fin regeneration atlas', upvotes: 40, publishedAt: '2026-11-30T00:00:00Z' },
  { id: '2612.00002', title: 'LoRA adapters for tiny models', upvotes: 120, publishedAt: '2026-11-30T00:00:00Z' },
  { id: '2612.00003', title: 'Diffusion models for weather', upvotes: 15, publishedAt: '2026-11-30T00:00:00Z' },
  { id: '2612.00004', title: 'Quantum error correction with graph codes', upvotes: 60, publishedAt: '2026-11-30T00:00:00Z' },
  { id: '2612.00005', title: 'Robot grasping from video', upvotes: 5, publishedAt: '2026-11-30T00:00:00Z' },
];

const DAY_TWO: DemoPaper[] = [
  { id: '2612.00006', title: 'Zebrafish sleep circuits', upvotes: 10, publishedAt: '2026-12-01T00:00:00Z' },
  { id: '2612.00007', title: 'LoRA merging without retraining', upvotes: 80, publishedAt: '2026-12-01T00:00:00Z' },
  { id: '2612.00008', title: 'Graph transformers at scale', upvotes: 30, publishedAt: '2026-12-01T00:00:00Z' },
  // Seen again with more votes: an update, not a new paper, so nobody gets it twice.
  { id: '2612.00002', title: 'LoRA adapters for tiny models', upvotes: 300, publishedAt: '2026-11-30T00:00:00Z' },
];

interface Reader {
  email: string;
  timezone: string;
  topics: string[];
  send_hour: number;
  frequency: 'daily' | 'weekly';
  weekday?: number;
  /** What their inbox must hold: one entry per digest, by local date, with its papers' titles. */
  expected: Array<{ localDate: string; titles: string[] }>;
}

/*
 * The expected inboxes, worked out by hand from the rules: a digest is due
 * once the local send hour has passed on a local day; it holds the papers
 * stored since the reader's previous digest (the last 7 days for a first
 * one) that match a topic and were never sent to them; nothing matched means
 * no email. Day one's papers are in before the first run (00:00 UTC on
 * 1 December); day two's come at 00:00 UTC on 2 December.
 */
const READERS: Reader[] = [
  {
    // 09:00 in Tokyo at the first run: day one's digest goes at once. Their 2 December digest
    // (08:00 = 23:00 UTC on the 1st) comes before day two's papers, so it has nothing: no email.
    email: 'kenji@example.jp',
    timezone: 'Asia/Tokyo',
    topics: ['zebrafish', 'LoRA'],
    send_hour: 8,
    frequency: 'daily',
    expected: [
      { localDate: '2026-12-01', titles: ['LoRA adapters for tiny models', 'Zebrafish fin regeneration atlas'] },
      { localDate: '2026-12-03', titles: ['LoRA merging without retraining', 'Zebrafish sleep circuits'] },
    ],
  },
  {
    email: 'yui@example.jp',
    timezone: 'Asia/Tokyo',
    topics: ['diffusion'],
    send_hour: 20,
    frequency: 'daily',
    expected: [{ localDate: '2026-12-01', titles: ['Diffusion models for weather'] }],
  },
  {
    email: 'lena@example.de',
    timezone: 'Europe/Berlin',
    topics: ['graph'],
    send_hour: 7,
    frequency: 'daily',
    expected: [
      { localDate: '2026-12-01', titles: ['Quantum error correction with graph codes'] },
      { localDate: '2026-12-02', titles: ['Graph transformers at scale'] },
    ],
  },
  {
    // Weekly on Wednesdays: 2 December. A first digest looks back seven days, so it holds both days.
    email: 'jonas@example.de',
    timezone: 'Europe/Berlin',
    topics: ['LoRA', 'zebrafish'],
    send_hour: 9,
    frequency: 'weekly',
    weekday: 3,
    expected: [
      {
        localDate: '2026-12-02',
        titles: ['LoRA adapters for tiny models', 'LoRA merging without retraining', 'Zebrafish fin regeneration atlas', 'Zebrafish sleep circuits'],
      },
    ],
  },
  {
    // At the first run it is 19:00 on 30 November in New York: 06:00 has passed, so that day's
    // digest goes at once. Nothing on quantum or robots comes later: no more email.
    email: 'maria@example.com',
    timezone: 'America/New_York',
    topics: ['quantum', 'robot'],
    send_hour: 6,
    frequency: 'daily',
    expected: [{ localDate: '2026-11-30', titles: ['Quantum error correction with graph codes', 'Robot grasping from video'] }],
  },
  {
    // 22:00 on 30 November in New York is 03:00 UTC on 1 December; 22:00 on 1 December is
    // 03:00 UTC on the 2nd, after day two's papers came.
    email: 'sam@example.com',
    timezone: 'America/New_York',
    topics: ['LoRA'],
    send_hour: 22,
    frequency: 'daily',
    expected: [
      { localDate: '2026-11-30', titles: ['LoRA adapters for tiny models'] },
      { localDate: '2026-12-01', titles: ['LoRA merging without retraining'] },
    ],
  },
  {
    // 16:00 on 30 November in Los Angeles at the first run: that day's digest goes at once. On
    // 1 December (09:00 = 17:00 UTC) nothing new has come: no email.
    email: 'ana@example.com',
    timezone: 'America/Los_Angeles',
    topics: ['zebrafish', 'graph'],
    send_hour: 9,
    frequency: 'daily',
    expected: [
      { localDate: '2026-11-30', titles: ['Quantum error correction with graph codes', 'Zebrafish fin regeneration atlas'] },
      { localDate: '2026-12-02', titles: ['Graph transformers at scale', 'Zebrafish sleep circuits'] },
    ],
  },
  {
    // Nothing on protein folding arrives: each day is recorded as skipped, and no email is sent.
    email: 'omar@example.com',
    timezone: 'America/Los_Angeles',
    topics: ['protein folding'],
    send_hour: 12,
    frequency: 'daily',
    expected: [],
  },
  {
    email: 'olivia@example.com.au',
    timezone: 'Australia/Sydney',
    topics: ['robot', 'diffusion'],
    send_hour: 7,
    frequency: 'daily',
    expected: [{ localDate: '2026-12-01', titles: ['Diffusion models for weather', 'Robot grasping from video'] }],
  },
  {
    // Unsubscribes with the one-click button after the first digest: day two's LoRA and graph papers never come.
    email: 'jack@example.com.au',
    timezone: 'Australia/Sydney',
    topics: ['LoRA', 'graph'],
    send_hour: 18,
    frequency: 'daily',
    expected: [{ localDate: '2026-12-01', titles: ['LoRA adapters for tiny models', 'Quantum error correction with graph codes'] }],
  },
];

const UNSUBSCRIBER = 'jack@example.com.au';

/** A Hugging Face daily-papers response holding these papers, as `ingest --source hf --file` reads it. */
function hfResponse(papers: DemoPaper[]): string {
  return JSON.stringify(
    papers.map((p) => ({
      title: p.title,
      paper: {
        id: p.id,
        title: p.title,
        summary: `${p.title}: an abstract written for the demo.`,
        authors: [{ name: 'Ada Lovelace' }, { name: 'Alan Turing' }],
        publishedAt: p.publishedAt,
        upvotes: p.upvotes,
      },
    })),
  );
}

export interface ReceivedDigest {
  localDate: string;
  sentAt: string;
  subject: string;
  messageId: string;
  titles: string[];
}

export interface ReaderOutcome {
  email: string;
  timezone: string;
  expected: Reader['expected'];
  received: ReceivedDigest[];
  ok: boolean;
}

export interface DemoResult {
  ok: boolean;
  readers: ReaderOutcome[];
  /** Papers some reader got more than once (must be none). */
  repeats: string[];
  runs: number;
}

type Log = (line: string) => void;

function cli(args: string[], env: Record<string, string>): string {
  const result = spawnSync(process.execPath, ['bin/paperboy.js', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`paperboy ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`);
  return result.stdout.trim();
}

function localDate(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

export async function runTwoDayDemo(log: Log = (line) => console.log(line)): Promise<DemoResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboy-demo-'));
  const env = { DATABASE_PATH: path.join(dir, 'paperboy.db'), SECRET_KEY, PUBLIC_URL, LOG_LEVEL: 'silent', SUBSCRIBE_RATE_LIMIT: '0' };
  try {
    log(`data folder: ${dir}`);
    log(cli(['migrate'], env));
    fs.writeFileSync(path.join(dir, 'day-one.json'), hfResponse(DAY_ONE));
    fs.writeFileSync(path.join(dir, 'day-two.json'), hfResponse(DAY_TWO));
    log(`day one: ${cli(['ingest', '--source', 'hf', '--file', path.join(dir, 'day-one.json')], env)}`);

    // Readers subscribe and confirm through the web app, as a visitor would.
    const store = openStore(env.DATABASE_PATH, { seedIfEmpty: false });
    const services = await createServices(store.db, loadConfig(env));
    const app = buildApp({ services });
    const outbox = services.outbox!;
    try {
      for (const reader of READERS) {
        const { expected: _expected, ...form } = reader;
        const answer = await app.inject({ method: 'POST', url: '/subscribe', payload: form });
        if (answer.statusCode >= 300) throw new Error(`subscribing ${reader.email} failed: ${answer.body}`);
      }
      await services.subscriptions.drain();
      for (const message of await readOutbox(outbox)) {
        const link = /http:\/\/localhost:3000(\/confirm\?token=\S+)/.exec(message.text)?.[1];
        // The link opens a page with one button; pressing it (a form post) confirms.
        if (link) await app.inject({ method: 'POST', url: link });
      }
      const confirmed = store.db.prepare("SELECT count(*) AS n FROM subscribers WHERE status = 'active'").get() as { n: number };
      log(`${confirmed.n} readers subscribed and confirmed through the web form`);
      for (const file of fs.readdirSync(outbox.dir)) fs.rmSync(path.join(outbox.dir, file));

      let runs = 0;
      for (let hour = 0; hour < HOURS; hour += 1) {
        const now = new Date(START + hour * 3_600_000).toISOString();
        if (hour === SECOND_INGEST_HOUR) {
          log(`${now} day two: ${cli(['ingest', '--source', 'hf', '--file', path.join(dir, 'day-two.json')], env)}`);
        }
        if (hour === UNSUBSCRIBE_HOUR) await oneClickUnsubscribe(app, outbox, log, now);
        const line = cli(['digest', '--now', now], env);
        runs += 1;
        if (!/ 0 due,/.test(line)) log(line);
      }
      return compare(await readOutbox(outbox), runs, log);
    } finally {
      await app.close();
      await services.close();
      store.db.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface OutboxMail {
  to: string;
  date: string;
  subject: string;
  messageId: string;
  text: string;
  listUnsubscribe: string | null;
}

async function readOutbox(outbox: Outbox): Promise<OutboxMail[]> {
  const files = fs.readdirSync(outbox.dir).filter((file) => file.endsWith('.eml')).sort();
  return Promise.all(
    files.map(async (file) => {
      const raw = fs.readFileSync(path.join(outbox.dir, file));
      const mail = await simpleParser(raw);
      const header = /^List-Unsubscribe: <([^>]+)>/m.exec(raw.toString().replace(/\r\n[ \t]+/g, ' '));
      return {
        to: Array.isArray(mail.to) ? mail.to[0]!.text : (mail.to?.text ?? ''),
        date: mail.date?.toISOString() ?? '',
        subject: mail.subject ?? '',
        messageId: mail.messageId ?? '',
        text: mail.text ?? '',
        listUnsubscribe: header?.[1] ?? null,
      };
    }),
  );
}

/** What a mail client's unsubscribe button does (RFC 8058): POST to the List-Unsubscribe URL. */
async function oneClickUnsubscribe(app: ReturnType<typeof buildApp>, outbox: Outbox, log: Log, now: string): Promise<void> {
  const digest = (await readOutbox(outbox)).find((mail) => mail.to === UNSUBSCRIBER && mail.listUnsubscribe);
  if (!digest) throw new Error(`${UNSUBSCRIBER} has no digest to unsubscribe from yet`);
  const answer = await app.inject({
    method: 'POST',
    url: digest.listUnsubscribe!.replace(PUBLIC_URL, ''),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'List-Unsubscribe=One-Click',
  });
  log(`${now} ${UNSUBSCRIBER} pressed their mail client's unsubscribe button: HTTP ${answer.statusCode}`);
}

function compare(mails: OutboxMail[], runs: number, log: Log): DemoResult {
  const readers = READERS.map((reader): ReaderOutcome => {
    const received = mails
      .filter((mail) => mail.to === reader.email)
      .sort((a, b) => a.date.localeCompare(b.date))
      .map((mail) => ({
        localDate: localDate(mail.date, reader.timezone),
        sentAt: mail.date,
        subject: mail.subject,
        messageId: mail.messageId,
        titles: [...mail.text.matchAll(/^\d+\. (.+)$/gm)].map((m) => m[1]!.trim()).sort(),
      }));
    const want = JSON.stringify(reader.expected.map(({ localDate: day, titles }) => ({ day, titles: [...titles].sort() })));
    const got = JSON.stringify(received.map(({ localDate: day, titles }) => ({ day, titles })));
    return { email: reader.email, timezone: reader.timezone, expected: reader.expected, received, ok: want === got };
  });

  const repeats = readers.flatMap(({ email, received }) => {
    const titles = received.flatMap((digest) => digest.titles);
    return titles.filter((title, index) => titles.indexOf(title) !== index).map((title) => `${email}: ${title}`);
  });
  const messageIds = mails.map((mail) => mail.messageId);
  const uniqueIds = new Set(messageIds).size === messageIds.length;

  log('');
  const width = Math.max(...readers.map((reader) => reader.email.length)) + 2;
  log(`${'    reader'.padEnd(width + 4)}${'time zone'.padEnd(21)}digests (local date: papers)`);
  for (const reader of readers) {
    const digests = reader.received.map((digest) => `${digest.localDate}: ${digest.titles.length}`).join(', ') || 'none';
    log(`${reader.ok ? 'ok  ' : 'FAIL'}${reader.email.padEnd(width)}${reader.timezone.padEnd(21)}${digests}`);
    if (!reader.ok) {
      log(`      expected ${JSON.stringify(reader.expected)}`);
      log(`      received ${JSON.stringify(reader.received.map(({ localDate: day, titles }) => ({ day, titles })))}`);
    }
  }
  const ok = readers.every((reader) => reader.ok) && repeats.length === 0 && uniqueIds;
  log('');
  log(`${runs} hourly runs, ${mails.length} emails, ${repeats.length} papers sent twice, Message-IDs ${uniqueIds ? 'all distinct' : 'REPEATED'}`);
  log(ok ? 'every inbox holds exactly what it should' : 'MISMATCH: see above');
  return { ok, readers, repeats, runs };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  runTwoDayDemo().then(
    (result) => process.exit(result.ok ? 0 : 1),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
