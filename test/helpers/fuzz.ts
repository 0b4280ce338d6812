import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Db } from '../../src/db/connection.js';
import type { PaperInput } from '../../src/papers/paper.js';
import { createServices, type Services } from '../../src/services.js';
import type { Subscriber, SubscriberStatus } from '../../src/subscriptions/subscriber.js';
import type { TokenPurpose } from '../../src/subscriptions/tokens.js';
import { parseTopic } from '../../src/topics/topic-grammar.js';
import { createWorld } from '../kit/world.js';
import { PUBLIC_URL, TEST_SECRET } from './app.js';
import { recordingTransport } from './mail.js';

/**
 * Fuzzing the HTTP app: one app per describe block over a small real store,
 * adversarial inputs, and the checks every answer must pass whatever was sent.
 */

/** Every property runs from this seed, so a failure replays exactly. */
export const SEED = 0x5eed_2026;

export const NOW = new Date('2026-11-27T10:00:00Z');

// ---------------------------------------------------------------------------
// The three checks

/**
 * Markers the generators embed in inputs. Each holds a character HTML must
 * escape and the letters "zq", which no page of ours contains, so finding one
 * raw in a page means some input reached the page unescaped.
 */
const MARKER_TEMPLATES = ['<zqN>', 'y"zqN', "y'zqN", 'y"><img src=x onerror=zqN>', "y'><script>alert(N)</script>", '</textarea><zqN>'];
// The quote in a marker follows a "y", so a template's own quote before an input ("value="zq…") never looks like one.
const RAW_MARKER = /<zq\d|y["']zq\d|y["']><(img|script)|<\/textarea><zq/;
const ESCAPED_MARKER = /&lt;zq\d|y&quot;zq\d|y&#x27;zq\d/;

/** A marker with a number, such as `<zq12>`. */
export const marker: fc.Arbitrary<string> = fc
  .tuple(fc.nat(999), fc.constantFrom(...MARKER_TEMPLATES))
  .map(([n, template]) => template.replaceAll('N', String(n)));

/** The first raw marker in a page, or null when every one is escaped. */
export function rawMarker(html: string): string | null {
  const found = RAW_MARKER.exec(html);
  return found ? html.slice(Math.max(0, found.index - 60), found.index + 60) : null;
}

export const hasEscapedMarker = (html: string) => ESCAPED_MARKER.test(html);

/** Tables that hold rows, in name order: every table but the full-text index and its shadow tables. */
export function dataTables(db: Db): string[] {
  const all = db.prepare<[], { name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
  const virtual = all.filter((table) => /^CREATE VIRTUAL TABLE/i.test(table.sql)).map((table) => table.name);
  return all
    .map((table) => table.name)
    .filter((name) => !name.startsWith('sqlite_') && !virtual.some((v) => name === v || name.startsWith(`${v}_`)));
}

/**
 * Every row of every data table, as JSON, by table. Rows are sorted so tables
 * without a rowid compare too. The store is kept small, so this stays cheap.
 */
export function snapshot(db: Db, tables: readonly string[]): Record<string, string[]> {
  return Object.fromEntries(tables.map((table) => [table, db.prepare(`SELECT * FROM "${table}"`).all().map((row) => JSON.stringify(row)).sort()]));
}

/** What a fuzz run saw, so a test can show its checks were exercised and not vacuously true. */
export interface FuzzStats {
  requests: number;
  ok: number;
  rejected: number;
  html: number;
  escaped: number;
  statuses: Map<number, number>;
}

const emptyStats = (): FuzzStats => ({ requests: 0, ok: 0, rejected: 0, html: 0, escaped: 0, statuses: new Map() });

// ---------------------------------------------------------------------------
// The app under fuzz

/** Which routes exist and which ones the fuzzing reached, across every app of a file. */
export const routeCoverage = { registered: new Set<string>(), reached: new Set<string>() };

export type FixtureLabel = 'pending' | 'expired' | 'active' | 'unsubscribed' | 'bounced';
export const FIXTURE_LABELS: readonly FixtureLabel[] = ['pending', 'expired', 'active', 'unsubscribed', 'bounced'];

/**
 * Stored topics carry markers too, so pages that show them prove they escape
 * what the store holds. The second matches papers whose text holds "zq3", so
 * digests show it as the reason, with its words highlighted.
 */
export const STORED_TOPICS = ['LoRA <zq0> y"zq0 adapters" y\'zq0', "zebrafish <zq3> y'zq3"];

const fixturePrefs = {
  topics: STORED_TOPICS.map((text) => ({ text, key: parseTopic(text).key })),
  frequency: 'weekly' as const,
  weekday: 2,
  sendHour: 7,
  timezone: 'Europe/Paris',
};

export interface FuzzWorldOptions {
  env?: Record<string, string>;
  papers?: PaperInput[];
  /** Send through the embedded outbox (files under the data folder) instead of recording in memory. */
  outbox?: boolean;
}

export type FuzzWorld = Awaited<ReturnType<typeof openWorld>>;

async function openWorld({ env = {}, papers = [], outbox = false }: FuzzWorldOptions) {
  // Its own folder, not a per-test one: a fuzz world lives across a file's tests.
  const { db, file: databasePath, remove } = createWorld({ papers, papersAt: new Date('2026-11-26T00:00:00Z') });
  const errors: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => errors.push(line) });
  const config = loadConfig({ DATABASE_PATH: databasePath, SECRET_KEY: TEST_SECRET, PUBLIC_URL, LOG_LEVEL: 'silent', ...env });
  const mail = recordingTransport();
  const services: Services = await createServices(db, config, { transport: outbox ? undefined : mail.transport, clock: () => NOW, logger });
  const app = buildApp({ services, logger });
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeCoverage.registered.add(`${method} ${route.url}`);
  });
  app.addHook('onResponse', async (request) => {
    if (request.routeOptions.url) routeCoverage.reached.add(`${request.method} ${request.routeOptions.url}`);
  });
  await app.ready();

  const repo = services.subscribers;
  const tables = dataTables(db);
  const fixtures = new Map<FixtureLabel, Subscriber>();

  /** One subscriber in each state, with its canonical email. */
  const createFixture = (label: FixtureLabel): Subscriber => {
    const email = `${label}@example.com`;
    const existing = repo.findByEmail(email);
    if (existing) repo.erase(existing.id);
    // The expired one was mailed its link long before the clock's "now".
    const created = label === 'expired' ? '2026-11-01T00:00:00.000Z' : NOW.toISOString();
    const subscriber = repo.insertPending(email, fixturePrefs, created);
    const at = NOW.toISOString();
    const steps: Record<FixtureLabel, SubscriberStatus[]> = {
      pending: [],
      expired: [],
      active: ['active'],
      unsubscribed: ['active', 'unsubscribed'],
      bounced: ['active', 'bounced'],
    };
    for (const to of steps[label]) repo.transition(subscriber.id, ['pending', 'active'], to, at);
    return repo.findById(subscriber.id)!;
  };
  // What makes each fixture what it is: a resent link un-expires the expired one without changing its status.
  const state = (subscriber: Subscriber | null) => (subscriber ? `${subscriber.status} ${subscriber.confirmSentAt} ${subscriber.tokenVersion}` : null);
  const canonical = new Map<FixtureLabel, string | null>();
  for (const label of FIXTURE_LABELS) {
    fixtures.set(label, createFixture(label));
    canonical.set(label, state(fixtures.get(label)!));
  }

  const stats = emptyStats();
  const countOthers = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM subscribers WHERE id NOT IN (SELECT value FROM json_each(?))');
  const deleteOthers = db.prepare<[string]>('DELETE FROM subscribers WHERE id NOT IN (SELECT value FROM json_each(?))');

  return {
    app,
    db,
    services,
    tables,
    stats,
    fixture: (label: FixtureLabel) => fixtures.get(label)!,

    /**
     * Puts each fixture subscriber back in its state, re-creating one a
     * request erased, so every case starts from the same kinds of subscriber.
     */
    restore(): void {
      // Successful posts add subscribers; they are cleared now and then so the snapshots stay small.
      const ids = JSON.stringify([...fixtures.values()].map((subscriber) => subscriber.id));
      if (countOthers.get(ids)!.n > 40) deleteOthers.run(ids);
      for (const label of FIXTURE_LABELS) {
        if (state(repo.findById(fixtures.get(label)!.id)) !== canonical.get(label)) fixtures.set(label, createFixture(label));
      }
    },

    /** A token the real signer made: for a fixture, or for an id, version or secret nobody holds. */
    sign(purpose: TokenPurpose, subscriberId: number, tokenVersion: number, secret = '0'.repeat(32)): string {
      return services.tokens.sign(purpose, { subscriberId, tokenVersion, secret });
    },

    /**
     * Sends one request and checks what every answer must satisfy:
     *   1. never a 5xx;
     *   2. a 4xx leaves every row of every table as it was;
     *   3. an HTML page holds no input unescaped.
     */
    async send(request: InjectOptions): Promise<LightMyRequestResponse> {
      // Emails from earlier requests finish first, so their bookkeeping is not taken for this request's.
      await services.subscriptions.drain();
      const before = snapshot(db, tables);
      errors.length = 0;
      const res = await app.inject(request);
      const label = `${request.method} ${String(request.url).slice(0, 300)} -> ${res.statusCode}`;
      stats.requests += 1;
      stats.statuses.set(res.statusCode, (stats.statuses.get(res.statusCode) ?? 0) + 1);

      expect(res.statusCode, `${label}\n${errors.join('\n').slice(0, 2000)}`).toBeLessThan(500);
      if (res.statusCode >= 200 && res.statusCode < 300) stats.ok += 1;
      if (res.statusCode >= 400) {
        stats.rejected += 1;
        await services.subscriptions.drain();
        expect(snapshot(db, tables), `${label}: a refused request changed the store`).toEqual(before);
      }
      if (/^text\/html/.test(String(res.headers['content-type'] ?? ''))) {
        stats.html += 1;
        expect(rawMarker(res.body), `${label}: input reached the page unescaped`).toBeNull();
        if (hasEscapedMarker(res.body)) stats.escaped += 1;
      }
      return res;
    },

    async close(): Promise<void> {
      await app.close();
      await services.close();
      remove();
    },
  };
}

/** One app for a whole describe block; the store is compared before and after each request rather than rebuilt. */
export function fuzzWorld(options: FuzzWorldOptions = {}): () => FuzzWorld {
  let world: FuzzWorld | undefined;
  beforeAll(async () => {
    world = await openWorld(options);
  });
  afterAll(async () => {
    await world?.close();
  });
  return () => {
    if (!world) throw new Error('the fuzz app is not open yet');
    return world;
  };
}
