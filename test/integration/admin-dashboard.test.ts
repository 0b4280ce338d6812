import { describe, expect, it } from 'vitest';
import { lastDays } from '../../src/admin/charts.js';
import { SubscriberRepository } from '../../src/subscriptions/subscriber.repository.js';
import { testApp } from '../helpers/app.js';
import { ADMIN_PASSWORD, loginAdmin } from '../helpers/admin.js';
import { paper } from '../helpers/papers.js';
import { storePapers } from '../helpers/store.js';

const NOW = new Date('2026-11-28T12:00:00Z');
const DAYS = lastDays(NOW, 30);
const at = (day: number, hour = 9) => `${DAYS[day]}T${String(hour).padStart(2, '0')}:00:00.000Z`;

/** Adds one to a day's count in a table of expected numbers. */
function bump(table: Map<string, Record<string, number>>, day: string, column: string, by = 1) {
  const row = table.get(day) ?? {};
  row[column] = (row[column] ?? 0) + by;
  table.set(day, row);
}

/** The rows of the chart table `id` in a page: day -> column -> value, zero days left out. */
function chartTable(html: string, id: string): Map<string, Record<string, number>> {
  const table = new RegExp(`<table class="data" data-chart="${id}">([\\s\\S]*?)</table>`).exec(html)![1]!;
  const head = [.../<thead>([\s\S]*?)<\/thead>/.exec(table)![1]!.matchAll(/<th scope="col">([^<]*)<\/th>/g)].map((m) => m[1]!).slice(1);
  const rows = new Map<string, Record<string, number>>();
  for (const [, day, cells] of table.matchAll(/<tr><th scope="row">([^<]+)<\/th>((?:<td>\d+<\/td>)*)<\/tr>/g)) {
    const values = [...cells!.matchAll(/<td>(\d+)<\/td>/g)].map((m) => Number(m[1]));
    const row = Object.fromEntries(head.map((name, i) => [name, values[i]!]).filter(([, n]) => n !== 0));
    if (Object.keys(row).length > 0) rows.set(day!, row);
  }
  return rows;
}

/** The values the SVG's points carry, in the same shape as `chartTable`. */
function chartPoints(html: string, id: string): Map<string, Record<string, number>> {
  const section = html.slice(html.indexOf(`<h2 id="${id}">`));
  const svg = /<svg class="chart"[\s\S]*?<\/svg>/.exec(section)![0];
  const points = new Map<string, Record<string, number>>();
  for (const [, series, day, value] of svg.matchAll(/data-series="([^"]+)" data-day="([^"]+)" data-value="(\d+)"/g)) bump(points, day!, series!, Number(value));
  return points;
}

describe('the dashboard', () => {
  it("shows in its charts and tables exactly the seeded world's counts", async () => {
    const world = await testApp({ env: { ADMIN_PASSWORD }, clock: () => NOW, seed: false });
    const { db, services } = world;
    const subscribers = new SubscriberRepository(db);
    const people = new Map<string, Record<string, number>>();
    const digests = new Map<string, Record<string, number>>();
    const papers = new Map<string, Record<string, number>>();
    const prefs = (topic: string) => ({ topics: [{ text: topic, key: topic }], frequency: 'daily' as const, weekday: null, sendHour: 8, timezone: 'UTC' });

    // Before the 30 days: counted by status, not on the chart.
    const old = subscribers.insertPending('old@example.com', prefs('lora'), '2026-08-01T00:00:00.000Z');
    subscribers.transition(old.id, ['pending'], 'active', '2026-08-02T00:00:00.000Z');
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) {
      const created = subscribers.insertPending(`reader${i}@example.com`, prefs(i % 3 === 0 ? 'lora' : i % 3 === 1 ? 'diffusion' : 'agents'), at(i * 2));
      ids.push(created.id);
      bump(people, DAYS[i * 2]!, 'new');
      if (i % 2 === 0) {
        subscribers.transition(created.id, ['pending'], 'active', at(i * 2 + 1));
        bump(people, DAYS[i * 2 + 1]!, 'confirmed');
      }
      if (i % 4 === 0) {
        subscribers.transition(created.id, ['active'], 'unsubscribed', at(i * 2 + 3));
        bump(people, DAYS[i * 2 + 3]!, 'unsubscribed');
      }
    }

    // Ledger rows as runs would leave them: [subscriber, day, status].
    const insert = db.prepare(`INSERT INTO deliveries (subscriber_id, digest_key, status, message_id, watermark, planned_at, updated_at, sent_at, last_error)
      VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)`);
    const ledger: Array<[number, number, string]> = [
      [2, 20, 'sent'], [2, 21, 'sent'], [6, 21, 'sent'], [6, 25, 'skipped'], [2, 25, 'skipped'], [10, 26, 'failed'], [6, 27, 'bounced'], [2, 29, 'sent'],
    ];
    for (const [who, day, status] of ledger) {
      const when = at(day, 8);
      insert.run(ids[who]!, DAYS[day]!, status, `<${who}-${day}@test>`, when, when, status === 'sent' ? when : null, status === 'sent' ? null : 'why');
      bump(digests, DAYS[day]!, status);
      if (status === 'bounced') {
        subscribers.transition(ids[who]!, ['active'], 'bounced', when);
        bump(people, DAYS[day]!, 'bounced');
      }
    }
    // Retries live only in the run history.
    for (const [day, retried] of [[21, 2], [21, 1], [26, 3]] as const) {
      const run = services.runs.start('digest', null, 'schedule', at(day, 10), 'test-host/1');
      services.runs.finish(run, 'ok', { sent: 0, retried }, null, at(day, 10));
      bump(digests, DAYS[day]!, 'retried', retried);
    }
    for (const [day, source, count] of [[27, 'hf', 3], [27, 'arxiv', 2], [29, 'hf', 1]] as const) {
      storePapers(db, Array.from({ length: count }, () => paper({ source })), new Date(at(day)));
      bump(papers, DAYS[day]!, source, count);
    }

    const admin = await loginAdmin(world);
    const html = (await admin.get('/admin')).body;
    expect(chartTable(html, 'subscribers')).toEqual(people);
    expect(chartPoints(html, 'people')).toEqual(people);
    expect(chartTable(html, 'digests')).toEqual(digests);
    expect(chartPoints(html, 'digests')).toEqual(digests);
    expect(chartTable(html, 'papers')).toEqual(papers);

    const statuses = Object.fromEntries([...html.matchAll(/<dd data-status="(\w+)">(\d+)<\/dd>/g)].map((m) => [m[1], Number(m[2])]));
    const fromDb = Object.fromEntries((db.prepare('SELECT status, count(*) AS n FROM subscribers GROUP BY status').all() as Array<{ status: string; n: number }>).map((r) => [r.status, r.n]));
    expect(statuses).toEqual({ pending: 0, active: 0, unsubscribed: 0, bounced: 0, ...fromDb });
    // The one from before the window, six confirmed, less three unsubscribed and one bounced.
    expect(statuses.active).toBe(3);

    // Top topics count active subscribers only.
    const topics = [...html.matchAll(/<tr><td>([^<]+)<\/td><td>(\d+)<\/td><\/tr>/g)].map((m) => [m[1], Number(m[2])]);
    const expected = (
      db
        .prepare(`SELECT t.text, count(*) AS n FROM subscriber_topics t JOIN subscribers s ON s.id = t.subscriber_id WHERE s.status = 'active' GROUP BY t.key ORDER BY n DESC, t.text`)
        .all() as Array<{ text: string; n: number }>
    ).map((r) => [r.text, r.n]);
    expect(topics).toEqual(expected);
    expect(topics.length).toBeGreaterThan(1);
  });
});
