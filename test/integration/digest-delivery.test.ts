import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connection.js';
import { createServices } from '../../src/services.js';
import { digestWorld } from '../helpers/digest.js';
import { paper } from '../helpers/papers.js';

const DAY1 = '2026-11-27T08:00:00Z';
const DAY2 = '2026-11-28T08:00:00Z';
const titlesIn = (text: string | undefined) => [...(text ?? '').matchAll(/^\d+\. (.+)$/gm)].map((m) => m[1]);

describe('each digest goes out exactly once, with only new papers', () => {
  it('sends nothing on a second run the same day, and only new papers the next day', async () => {
    const world = await digestWorld();
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish', 'lora'] });
    const fins = paper({ title: 'Zebrafish regrow fins' });
    world.addPapers([fins, paper({ title: 'LoRA for small models' }), paper({ title: 'Cats' })], '2026-11-26T10:00:00Z');

    const first = await world.run(DAY1);
    expect(first).toMatchObject({ due: 1, sent: 1, skipped: 0 });
    const again = await world.run('2026-11-27T08:10:00Z');
    expect(again).toMatchObject({ due: 0, sent: 0 });
    expect(world.inbox('ada@example.com')).toHaveLength(1);
    expect(world.ledger()).toHaveLength(1);
    const [day1] = world.inbox('ada@example.com');
    expect(titlesIn(day1!.parsed.text).sort()).toEqual(['LoRA for small models', 'Zebrafish regrow fins']);

    // A paper seen again with more votes is not new; one first seen since the last digest is.
    world.addPapers([{ ...fins, upvotes: 900 }, paper({ title: 'Zebrafish sleep' })], '2026-11-27T20:00:00Z');
    await world.run(DAY2);
    const day2 = world.inbox('ada@example.com')[1]!;
    expect(titlesIn(day2.parsed.text)).toEqual(['Zebrafish sleep']);
    expect(day2.parsed.subject).toMatch(/^1 paper\b/);
  });

  it('sends no email when nothing new matched, and records the day as skipped', async () => {
    const world = await digestWorld();
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    world.addPapers([paper({ title: 'Cats and dogs' })], '2026-11-26T10:00:00Z');

    expect(await world.run(DAY1)).toMatchObject({ due: 1, planned: 0, skipped: 1, sent: 0 });
    expect(world.sink.received).toHaveLength(0);
    expect(world.ledger()).toMatchObject([{ digest_key: '2026-11-27', status: 'skipped', shown: 0 }]);
    expect((await world.run('2026-11-27T09:00:00Z')).due).toBe(0);
  });

  it('never sends a withdrawn paper, and lists a paper two topics match once', async () => {
    const world = await digestWorld();
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish', 'fins'] });
    world.addPapers(
      [paper({ title: 'Zebrafish fins' }), paper({ title: 'Zebrafish retracted', withdrawnAt: '2026-11-26T11:00:00Z' })],
      '2026-11-26T10:00:00Z',
    );
    await world.run(DAY1);
    expect(titlesIn(world.inbox('ada@example.com')[0]!.parsed.text)).toEqual(['Zebrafish fins']);
  });

  it('keeps to DIGEST_MAX_PAPERS, links to the rest, and the web view shows them all', async () => {
    const world = await digestWorld({ env: { DIGEST_MAX_PAPERS: '2' } });
    const ada = world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    world.addPapers(
      [10, 50, 30, 5, 1].map((upvotes) => paper({ title: `Zebrafish with ${upvotes} votes`, upvotes })),
      '2026-11-26T10:00:00Z',
    );
    await world.run(DAY1);
    const [mail] = world.inbox('ada@example.com');
    expect(titlesIn(mail!.parsed.text)).toEqual(['Zebrafish with 50 votes', 'Zebrafish with 30 votes']);
    const viewUrl = world.services.links.digestUrl(ada, world.ledger()[0]!.id);
    expect(mail!.parsed.text).toContain(viewUrl);
    expect(mail!.parsed.text).toMatch(/3 more/);

    const page = await world.app.inject({ method: 'GET', url: viewUrl.replace('http://paperboy.test', '') });
    expect(page.statusCode).toBe(200);
    for (const votes of [50, 30, 10, 5, 1]) expect(page.body).toContain(`Zebrafish with ${votes} votes`);

    // Only what the email showed counts as sent: the other three can never come back either,
    // as they came before this digest, but the ledger records just the two.
    const sent = world.db.prepare('SELECT count(*) AS n FROM sent_papers').get() as { n: number };
    expect(sent.n).toBe(2);
  });

  it('does not send a planned digest to someone who unsubscribed before it went out', async () => {
    const world = await digestWorld({ onData: () => 'drop' });
    const ada = world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    world.addPapers([paper({ title: 'Zebrafish' })], '2026-11-26T10:00:00Z');
    expect((await world.run(DAY1)).retried).toBe(1);
    world.services.subscriptions.unsubscribe(ada);
    expect(await world.run('2026-11-27T09:00:00Z')).toMatchObject({ sent: 0, cancelled: 1 });
    expect(world.ledger()).toMatchObject([{ status: 'skipped', last_error: 'not sent: the subscriber is unsubscribed' }]);
  });

  it('keeps going past a stored time zone the runtime does not know and a topic that no longer parses', async () => {
    const world = await digestWorld();
    const lost = world.subscribe({ email: 'lost@example.com', topics: ['zebrafish'] });
    const odd = world.subscribe({ email: 'odd@example.com', topics: ['zebrafish', 'fins'] });
    world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    // Rows as an older version (or a hand edit) might have left them; the form would refuse both.
    world.db.prepare("UPDATE subscribers SET timezone = 'Mars/Olympus_Mons' WHERE id = ?").run(lost.id);
    world.db.prepare("UPDATE subscriber_topics SET text = '-fins' WHERE subscriber_id = ? AND key = 'fins'").run(odd.id);
    world.addPapers([paper({ title: 'Zebrafish fins' })], '2026-11-26T10:00:00Z');

    expect(await world.run(DAY1)).toMatchObject({ due: 2, sent: 2 });
    expect(world.inbox('ada@example.com')).toHaveLength(1);
    expect(titlesIn(world.inbox('odd@example.com')[0]!.parsed.text)).toEqual(['Zebrafish fins']);
    expect(world.inbox('lost@example.com')).toHaveLength(0);
  });

  it('never sends one digest twice when two runners (the server and a CLI run) work side by side', async () => {
    const world = await digestWorld();
    for (let i = 0; i < 30; i += 1) world.subscribe({ email: `reader${i}@example.com`, topics: ['zebrafish'] });
    world.addPapers([paper({ title: 'Zebrafish' })], '2026-11-26T10:00:00Z');
    // A second process's view of the same database: its own connection, its own name in the claims.
    const db = openDatabase(world.db.name);
    const other = await createServices(db, world.services.config, { runnerName: 'elsewhere/1' });
    try {
      const now = new Date(DAY1);
      const [mine, theirs] = await Promise.all([world.services.digests.run({ now }), other.digests.run({ now })]);
      expect(mine.sent + theirs.sent).toBe(30);
      expect(mine.due + theirs.due).toBe(30);
    } finally {
      await other.close();
      db.close();
    }
    const addresses = world.sink.received.map((mail) => mail.envelopeTo.join());
    expect(addresses).toHaveLength(30);
    expect(new Set(addresses).size).toBe(30);
    expect(world.ledger().every((row) => row.status === 'sent' && row.attempts === 1)).toBe(true);
  });
});
