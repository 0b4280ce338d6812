import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connection.js';
import { migrate, readMigrations } from '../../src/db/migrate.js';
import { loadConfig } from '../../src/config.js';
import { createServices } from '../../src/services.js';
import { TEST_SECRET } from '../helpers/app.js';
import { digestWorld, type DigestWorld } from '../helpers/digest.js';
import { paper } from '../helpers/papers.js';
import { tempDir } from '../helpers/store.js';
import { addSubscribers, storePapers, subscriberPreferences, type SubscriberSpec } from '../kit/world.js';

const nextDue = (world: DigestWorld, email: string) =>
  (world.db.prepare('SELECT next_due_at AS at FROM subscribers WHERE email = ?').get(email) as { at: string }).at;

/** Ticks every `stepMinutes` from `from` to `to`, storing a new paper each hour so every digest has something to send. */
async function tickThrough(world: DigestWorld, from: string, to: string, stepMinutes = 30) {
  for (let t = Date.parse(from); t <= Date.parse(to); t += stepMinutes * 60_000) {
    const at = new Date(t).toISOString();
    if (new Date(t).getUTCMinutes() === 0) world.addPapers([paper({ title: `Zebrafish study of ${at}` })], at);
    await world.run(at);
  }
}

/** Changes a subscriber's schedule the way the preferences page does, at `at`. */
function edit(world: DigestWorld, spec: SubscriberSpec) {
  const subscriber = world.services.subscribers.findByEmail(spec.email)!;
  world.services.subscriptions.updatePreferences(subscriber, subscriberPreferences(spec));
}

describe('each subscriber\'s next due time', () => {
  it('is what the tick reads: a subscriber whose stored time is to come is not read, whatever their schedule says', async () => {
    const world = await digestWorld();
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'], timezone: 'Europe/Paris' });
    world.addPapers([paper({ title: 'Zebrafish fins regrow' })], '2026-11-26T12:00:00Z');

    // Her 08:00 has passed, but the index says she is not due: the tick never looks at her.
    world.db.prepare("UPDATE subscribers SET next_due_at = '2026-12-31T00:00:00.000Z'").run();
    expect((await world.run('2026-11-27T09:00:00Z')).due).toBe(0);
    expect(world.sink.received).toHaveLength(0);

    world.db.prepare("UPDATE subscribers SET next_due_at = '2026-11-27T07:00:00.000Z'").run();
    expect((await world.run('2026-11-27T09:00:00Z')).sent).toBe(1);
  });

  it('reads each due subscriber once across batches, when many share one due time and others come later', async () => {
    const world = await digestWorld();
    // 950 who never had a digest (one shared due time) and 100 whose stored times differ: batches of 500, 500 and 50.
    addSubscribers(world.db, Array.from({ length: 1_050 }, (_, i) => ({ email: `r${i}@example.com`, topics: ['zebrafish'], timezone: 'UTC' })));
    world.db.prepare("UPDATE subscribers SET next_due_at = strftime('%Y-%m-%dT%H:%M:%fZ', '2026-11-27T08:00:00Z', '-' || id || ' seconds') WHERE id > 950").run();

    // A dry run moves no due time, so its cursor alone must walk past everyone. (No papers: each digest is planned and skipped.)
    expect((await world.run('2026-11-27T09:00:00Z', true)).due).toBe(1_050);
    expect((await world.run('2026-11-27T09:00:00Z')).due).toBe(1_050);
    expect(new Set(world.ledger().map((row) => row.subscriber_id)).size).toBe(1_050);
    expect((await world.run('2026-11-27T09:05:00Z')).due).toBe(0);
  });

  it('hands the event loop back between batches, so a server answers requests while a long plan runs', async () => {
    const world = await digestWorld();
    // 1,200 due readers: batches of 500, 500 and 200. No papers, so each digest is planned and skipped, and nothing is sent.
    addSubscribers(world.db, Array.from({ length: 1_200 }, (_, i) => ({ email: `r${i}@example.com`, topics: ['zebrafish'], timezone: 'UTC' })));
    const planned = world.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM deliveries');
    // What a request arriving during the run would see of the ledger, each time it got a turn.
    const seen = new Set<number>();
    let next: NodeJS.Immediate;
    const look = () => {
      seen.add(planned.get()!.n);
      next = setImmediate(look);
    };
    next = setImmediate(look);
    const summary = await world.run('2026-11-27T09:00:00Z').finally(() => clearImmediate(next));
    expect(summary.due).toBe(1_200);
    // Planned all at once, a turn would only ever find none or all of them.
    expect([...seen].some((n) => n > 0 && n < 1_200)).toBe(true);
    expect(planned.get()!.n).toBe(1_200);
  });

  it('reads a subscriber written without a due time (by hand, or before the column) at the next tick', async () => {
    const world = await digestWorld();
    world.db
      .prepare(
        `INSERT INTO subscribers (email, status, frequency, send_hour, timezone, created_at, updated_at)
         VALUES ('hand@example.com', 'active', 'daily', 8, 'UTC', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')`,
      )
      .run();
    world.db.prepare("INSERT INTO subscriber_topics (subscriber_id, position, text, key) SELECT id, 0, 'zebrafish', 'zebrafish' FROM subscribers").run();
    world.addPapers([paper({ title: 'Zebrafish fins regrow' })], '2026-11-26T12:00:00Z');
    expect((await world.run('2026-11-27T09:00:00Z')).sent).toBe(1);
    expect(nextDue(world, 'hand@example.com')).toBe('2026-11-28T08:00:00.000Z');
  });

  it('moves to the next send time once a digest is planned, and to the exact hour for someone not due yet', async () => {
    const world = await digestWorld();
    world.subscribe({ email: 'kenji@example.jp', topics: ['zebrafish'], timezone: 'Asia/Tokyo' });
    world.addPapers([paper({ title: 'Zebrafish fins regrow' })], '2026-11-26T12:00:00Z');
    // Never had a digest: a candidate for the next tick, whenever that is.
    expect(nextDue(world, 'kenji@example.jp')).toBe('1970-01-01T00:00:00.000Z');

    await world.run('2026-11-26T22:00:00Z'); // 07:00 in Tokyo
    expect(nextDue(world, 'kenji@example.jp')).toBe('2026-11-26T23:00:00.000Z');
    expect((await world.run('2026-11-26T22:30:00Z')).due).toBe(0);

    expect((await world.run('2026-11-26T23:05:00Z')).sent).toBe(1);
    expect(nextDue(world, 'kenji@example.jp')).toBe('2026-11-27T23:00:00.000Z');
  });

  it('follows New York\'s clock changes: the skipped 02:00 is 03:00, the repeated 01:00 is the first one', async () => {
    const world = await digestWorld();
    world.subscribe({ email: 'two@example.com', topics: ['zebrafish'], timezone: 'America/New_York', sendHour: 2 });
    world.subscribe({ email: 'one@example.com', topics: ['zebrafish'], timezone: 'America/New_York', sendHour: 1 });

    await tickThrough(world, '2026-10-31T05:00:00Z', '2026-10-31T06:00:00Z');
    expect(nextDue(world, 'one@example.com')).toBe('2026-11-01T05:00:00.000Z');
    await tickThrough(world, '2027-03-13T07:00:00Z', '2027-03-13T08:00:00Z');
    expect(nextDue(world, 'two@example.com')).toBe('2027-03-14T07:00:00.000Z');
  });

  it('follows a change of time zone made after the day\'s digest, with no second digest that local day', async () => {
    const world = await digestWorld();
    const spec = { email: 'ada@example.com', topics: ['zebrafish'], timezone: 'America/New_York' };
    world.subscribe(spec);
    await tickThrough(world, '2026-11-27T12:00:00Z', '2026-11-27T13:00:00Z'); // 08:00 in New York is 13:00 UTC
    expect(world.inbox('ada@example.com')).toHaveLength(1);

    // To Tokyo, where it is already the evening of the 27th, a day that had its digest: next is the 28th at 08:00.
    edit(world, { ...spec, timezone: 'Asia/Tokyo' });
    expect(nextDue(world, 'ada@example.com')).toBe('2026-11-27T23:00:00.000Z');
    await tickThrough(world, '2026-11-27T13:30:00Z', '2026-11-28T00:00:00Z');
    expect(world.ledger().map((row) => row.digest_key)).toEqual(['2026-11-27', '2026-11-28']);
    expect(nextDue(world, 'ada@example.com')).toBe('2026-11-28T23:00:00.000Z');

    edit(world, spec);
    // New York's 27th (still this evening there) and 28th had digests: next is the 29th at 08:00.
    expect(nextDue(world, 'ada@example.com')).toBe('2026-11-29T13:00:00.000Z');
    await tickThrough(world, '2026-11-28T00:30:00Z', '2026-11-29T12:30:00Z');
    expect(world.inbox('ada@example.com')).toHaveLength(2);
  });

  it('gives a weekly subscriber their weekday, and no second digest when they switch mid-day', async () => {
    const world = await digestWorld();
    const spec: SubscriberSpec = { email: 'max@example.de', topics: ['zebrafish'], timezone: 'Europe/Berlin' };
    world.subscribe(spec);
    // Friday 27 November: the daily digest goes at 08:00 Berlin (07:00 UTC)…
    await tickThrough(world, '2026-11-27T06:00:00Z', '2026-11-27T07:00:00Z');
    expect(world.inbox('max@example.de')).toHaveLength(1);

    // …then a switch to weekly on Fridays: week 48 has no weekly digest, but today had one.
    edit(world, { ...spec, frequency: 'weekly', weekday: 5 });
    expect(nextDue(world, 'max@example.de')).toBe('2026-12-04T07:00:00.000Z');
    await tickThrough(world, '2026-11-27T08:00:00Z', '2026-12-05T00:00:00Z', 60);
    expect(world.ledger().map((row) => row.digest_key)).toEqual(['2026-11-27', '2026-W49']);
    expect(world.inbox('max@example.de').map((mail) => mail.parsed.date!.toISOString())).toEqual([
      '2026-11-27T07:00:00.000Z',
      '2026-12-04T07:00:00.000Z',
    ]);
    expect(nextDue(world, 'max@example.de')).toBe('2026-12-11T07:00:00.000Z');
  });

  it('is worked out again when an unsubscribed reader comes back', async () => {
    const world = await digestWorld();
    const ada = world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'], timezone: 'UTC' });
    await tickThrough(world, '2026-11-27T08:00:00Z', '2026-11-27T08:00:00Z');
    world.services.subscriptions.unsubscribe(ada);
    // While away, an edit of the row leaves no due time behind that a tick could read.
    world.db.prepare("UPDATE subscribers SET next_due_at = '1970-01-01T00:00:00.000Z'").run();
    expect((await world.run('2026-11-28T09:00:00Z')).due).toBe(0);

    world.services.subscriptions.resubscribe(world.services.subscribers.findById(ada.id)!);
    expect(nextDue(world, 'ada@example.com')).toBe('2026-11-28T08:00:00.000Z');
    expect((await world.run('2026-11-28T09:00:00Z')).due).toBe(1);
  });
});

describe('the due-time migration', () => {
  it('makes every existing subscriber a candidate, and the first tick gives each active one their exact time', async () => {
    const migrations = readMigrations();
    // Found by name, not number: migrations from elsewhere may be numbered around it.
    const index = migrations.findIndex((m) => m.name.endsWith('_next_due.sql'));
    expect(index).toBeGreaterThan(0);
    const file = path.join(tempDir(), 'paperboy.db');
    const db = openDatabase(file);
    migrate(db, migrations.slice(0, index));
    const insert = db.prepare(
      "INSERT INTO subscribers (email, status, frequency, send_hour, timezone, created_at, updated_at) VALUES (?, ?, 'daily', ?, 'UTC', ?, ?)",
    );
    const at = '2026-11-01T00:00:00.000Z';
    insert.run('early@example.com', 'active', 8, at, at);
    insert.run('late@example.com', 'active', 20, at, at);
    insert.run('waiting@example.com', 'pending', 8, at, at);
    db.prepare("INSERT INTO subscriber_topics (subscriber_id, position, text, key) SELECT id, 0, 'zebrafish', 'zebrafish' FROM subscribers").run();
    migrate(db);
    // No time yet: before any time, so the next tick reads them.
    expect(db.prepare('SELECT email, next_due_at AS at FROM subscribers ORDER BY id').all()).toEqual([
      { email: 'early@example.com', at: '' },
      { email: 'late@example.com', at: '' },
      { email: 'waiting@example.com', at: '' },
    ]);
    storePapers(db, [paper({ title: 'Zebrafish fins regrow' })], new Date('2026-11-27T06:00:00Z'));

    const services = await createServices(db, loadConfig({ DATABASE_PATH: file, SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'silent' }));
    try {
      expect(await services.digests.run({ now: new Date('2026-11-27T12:00:00Z') })).toMatchObject({ due: 1, sent: 1 });
      const due = db.prepare('SELECT email, next_due_at AS at FROM subscribers WHERE status = ? ORDER BY id').all('active');
      expect(due).toEqual([
        { email: 'early@example.com', at: '2026-11-28T08:00:00.000Z' },
        { email: 'late@example.com', at: '2026-11-27T20:00:00.000Z' },
      ]);
    } finally {
      await services.close();
      db.close();
    }
  });
});
