import { describe, expect, it } from 'vitest';
import { runIngest } from '../../src/papers/ingest-run.js';
import { seedFeed } from '../../src/papers/sources/seed.source.js';
import { ingestReport } from '../../src/runs/run-history.js';
import { ADMIN_PASSWORD, loginAdmin } from '../helpers/admin.js';
import { digestWorld } from '../helpers/digest.js';
import { FORM, form } from '../helpers/http.js';
import { paper } from '../helpers/papers.js';

const TOKEN = 'metrics-token-0123456789abcdef';

/**
 * A strict reader of the Prometheus text format (0.0.4): every line is a
 * HELP, a TYPE or a sample, every sample belongs to a declared metric, and
 * values are numbers. Returns the samples as `name{labels}` -> value.
 */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(meta[3]);
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+]+|NaN|\+Inf|-Inf)$/.exec(line);
    if (!sample) throw new Error(`not Prometheus text format: ${line}`);
    const family = sample[1]!.replace(/_(bucket|sum|count)$/, '');
    expect(types.has(sample[1]!) || types.get(family) === 'histogram', `${sample[1]} has a TYPE`).toBe(true);
    samples.set(`${sample[1]}${sample[2] ?? ''}`, Number(sample[3]));
  }
  return samples;
}

describe('/metrics', () => {
  it('answers only a bearer token or an admin session', async () => {
    const world = await digestWorld({ env: { METRICS_TOKEN: TOKEN, ADMIN_PASSWORD } });
    const get = (headers: Record<string, string> = {}) => world.app.inject({ method: 'GET', url: '/metrics', headers });
    expect((await get()).statusCode).toBe(401);
    expect((await get({ authorization: 'Bearer wrong-token-0123456789abcdef' })).statusCode).toBe(401);
    expect((await get({ authorization: `Basic ${TOKEN}` })).statusCode).toBe(401);
    const ok = await get({ authorization: `Bearer ${TOKEN}` });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const admin = await loginAdmin(world);
    expect((await admin.get('/metrics')).statusCode).toBe(200);
  });

  it('exposes digests, emails, subscribes, ingests, subscribers, the ledger and durations', async () => {
    const world = await digestWorld({ env: { METRICS_TOKEN: TOKEN } });
    const { services, app } = world;
    await services.history.record('ingest', 'seed', () => runIngest(services.papers, seedFeed().pages), ingestReport);
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    world.subscribe({ email: 'bob@example.com', topics: ['cats'] });
    world.addPapers([paper({ title: 'Zebrafish regrow fins' })], '2026-11-26T10:00:00Z');
    await world.run('2026-11-27T08:00:00Z');
    const subscribe = (fields: Record<string, string>) => app.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: form(fields) });
    expect((await subscribe({ email: 'cy@example.com', topics: 'lora', frequency: 'daily', timezone: 'UTC', send_hour: '8' })).statusCode).toBe(200);
    expect((await subscribe({ email: 'not an address', topics: 'lora' })).statusCode).toBe(400);
    await services.subscriptions.drain();

    const text = (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body;
    const samples = parsePrometheus(text);
    const seedAdded = services.runs.recent(1, 'ingest')[0]!.counts.added!;
    expect(seedAdded).toBeGreaterThan(0);
    expect(Object.fromEntries([...samples].filter(([name]) => !name.includes('_bucket') && !name.startsWith('paperboy_http')))).toMatchObject({
      'paperboy_digests_total{outcome="sent"}': 1,
      'paperboy_digests_total{outcome="skipped"}': 1,
      'paperboy_digests_total{outcome="retried"}': 0,
      'paperboy_digests_total{outcome="failed"}': 0,
      'paperboy_digests_total{outcome="bounced"}': 0,
      'paperboy_emails_sent_total{template="digest"}': 1,
      'paperboy_emails_sent_total{template="confirm"}': 1,
      'paperboy_subscribe_requests_total{outcome="accepted"}': 1,
      'paperboy_subscribe_requests_total{outcome="invalid"}': 1,
      'paperboy_ingest_runs_total{source="seed",outcome="ok"}': 1,
      [`paperboy_ingest_papers_total{source="seed",result="added"}`]: seedAdded,
      'paperboy_subscribers{status="active"}': 2,
      'paperboy_subscribers{status="pending"}': 1,
      'paperboy_subscribers{status="bounced"}': 0,
      'paperboy_ledger_pending': 0,
      'paperboy_run_duration_seconds_count{kind="digest"}': 1,
      'paperboy_run_duration_seconds_count{kind="ingest"}': 1,
    });
    expect(samples.get('paperboy_http_request_duration_seconds_count{method="POST",route="/subscribe",status_code="400"}')).toBe(1);
  });
});
