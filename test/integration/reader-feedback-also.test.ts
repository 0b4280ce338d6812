import { describe, expect, it } from 'vitest';
import { digestWorld, type DigestWorld } from '../helpers/digest.js';
import { paper } from '../helpers/papers.js';
import { cookiesFrom, FORM, form, hiddenField } from '../helpers/http.js';
import type { Subscriber } from '../../src/subscriptions/subscriber.js';

const local = (url: string) => url.replace(/^https?:\/\/[^/]+/, '');
const regen = (title: string, upvotes = 5) =>
  paper({
    title,
    abstract: 'Blastema cells drive regeneration after amputation; osteoblast dedifferentiation and regrowth of the amputated limb or fin ray.',
    upvotes,
  });
const other = (title: string) => paper({ title, abstract: 'Surface codes and logical qubits under circuit-level noise for fault-tolerant quantum computing.', upvotes: 200 });

const seqOf = (world: DigestWorld, title: string) => world.db.prepare<[string], { seq: number }>('SELECT seq FROM papers WHERE title = ?').get(title)!.seq;
const count = (world: DigestWorld, table: string) => (world.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

async function mark(world: DigestWorld, reader: Subscriber, titles: string[], choice: 'more' | 'less' = 'more') {
  for (const title of titles) {
    const res = await world.app.inject({ method: 'POST', url: local(world.services.links.feedbackUrl(reader, seqOf(world, title), choice)) });
    expect(res.statusCode).toBe(200);
  }
}

async function markedWorld(positives: number) {
  const world = await digestWorld();
  const ada = world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
  const day1 = [1, 2, 3, 4].map((n) => `Zebrafish fin regeneration ${n}`);
  world.addPapers(day1.map((title) => regen(title)), '2026-11-26T10:00:00Z');
  await world.run('2026-11-27T08:00:00Z');
  await mark(world, ada, day1.slice(0, positives));
  return { world, ada };
}

const outside = () => [regen('Axolotl limb regeneration from the blastema'), other('Surface codes at scale')];

describe('"You may also like"', () => {
  it('offers the papers outside the topics that the model likes best, labelled, once a reader marked three', async () => {
    const { world } = await markedWorld(3);
    world.addPapers([regen('Zebrafish fin regeneration 5'), ...outside()], '2026-11-27T10:00:00Z');
    await world.run('2026-11-28T08:00:00Z');
    const text = String(world.inbox('ada@example.com')[1]!.parsed.text);
    expect(text).toContain('You may also like');
    expect(text.indexOf('You may also like')).toBeGreaterThan(text.indexOf('Zebrafish fin regeneration 5'));
    expect(text).toMatch(/Axolotl limb regeneration from the blastema\n[\s\S]*Outside your topics, like “Zebrafish fin regeneration \d”/);
    expect(text).not.toContain('Surface codes');
    // The heading counts the topic's papers only, and the suggestion is never sent again.
    expect(String(world.inbox('ada@example.com')[1]!.parsed.subject)).toMatch(/^1 paper on zebrafish/);
    const sent = world.db.prepare('SELECT paper_seq FROM sent_papers WHERE paper_seq = ?').all(seqOf(world, 'Axolotl limb regeneration from the blastema'));
    expect(sent).toHaveLength(1);
  });

  it('waits for three "more like this": two are not enough', async () => {
    const { world } = await markedWorld(2);
    world.addPapers([regen('Zebrafish fin regeneration 5'), ...outside()], '2026-11-27T10:00:00Z');
    await world.run('2026-11-28T08:00:00Z');
    const text = String(world.inbox('ada@example.com')[1]!.parsed.text);
    expect(text).toContain('Zebrafish fin regeneration 5');
    expect(text).not.toContain('You may also like');
    expect(text).not.toContain('Axolotl');
  });

  it('never sends an email of suggestions alone', async () => {
    const { world } = await markedWorld(4);
    world.addPapers(outside(), '2026-11-27T10:00:00Z');
    await world.run('2026-11-28T08:00:00Z');
    expect(world.inbox('ada@example.com')).toHaveLength(1);
  });
});

describe("a reader's data", () => {
  async function twoReaders() {
    const { world, ada } = await markedWorld(2);
    const bob = world.subscribe({ email: 'bob@example.com', topics: ['quantum'] });
    world.addPapers([other('Quantum surface codes 1')], '2026-11-27T10:00:00Z');
    await world.run('2026-11-28T08:00:00Z');
    await mark(world, bob, ['Quantum surface codes 1'], 'less');
    return { world, ada, bob };
  }

  it('lists the choices on the preferences page, which can clear them', async () => {
    const { world, ada } = await twoReaders();
    const url = local(world.services.links.url('manage', ada));
    const page = await world.app.inject({ method: 'GET', url });
    expect(page.body).toContain('Papers you marked');
    expect(page.body).toMatch(/More like this<\/strong>: Zebrafish fin regeneration [12]/);
    const cleared = await world.app.inject({
      method: 'POST',
      url: url.replace('/preferences?', '/preferences/feedback/clear?'),
      headers: { ...FORM, cookie: cookiesFrom(page.headers['set-cookie']) },
      body: form({ _csrf: hiddenField(page.body, '_csrf') }),
    });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.body).toContain('2 papers are no longer marked');
    expect(world.services.feedback.list(ada.id)).toEqual([]);
    // Bob's choice stays.
    expect(count(world, 'feedback_choices')).toBe(1);
    expect(count(world, 'reader_models')).toBe(1);
  });

  it('exports everything stored about the reader as JSON, and nothing about anyone else', async () => {
    const { world, ada, bob } = await twoReaders();
    const res = await world.app.inject({ method: 'GET', url: local(world.services.links.url('manage', ada)).replace('/preferences?', '/preferences/data?') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['content-disposition']).toContain('attachment');
    const data = JSON.parse(res.body);
    expect(data.subscription).toMatchObject({ email: 'ada@example.com', status: 'active', frequency: 'daily', timezone: 'UTC' });
    expect(data.topics).toEqual(['zebrafish']);
    expect(data.choices.map((c: { title: string; choice: string }) => [c.title, c.choice]).sort()).toEqual([
      ['Zebrafish fin regeneration 1', 'more'],
      ['Zebrafish fin regeneration 2', 'more'],
    ]);
    expect(data.digests).toHaveLength(2);
    expect(data.digests[0].papers.map((p: { title: string }) => p.title).sort()).toEqual([1, 2, 3, 4].map((n) => `Zebrafish fin regeneration ${n}`));
    // Nothing of Bob's, and no secret of Ada's.
    expect(res.body).not.toContain('bob@example.com');
    expect(res.body).not.toContain('Quantum');
    expect(res.body).not.toContain(world.services.subscribers.findById(ada.id)!.tokenSecret);
    for (const purpose of ['manage', 'view', 'unsubscribe', 'feed'] as const) {
      expect(res.body).not.toContain(world.services.links.token(purpose, bob));
      expect(res.body).not.toContain(world.services.links.token(purpose, ada));
    }
    // Only a manage link opens it.
    const view = await world.app.inject({ method: 'GET', url: `/preferences/data?token=${world.services.links.token('view', ada)}` });
    expect(view.statusCode).toBe(400);
  });

  it('erases the choices and the model with "delete my data"', async () => {
    const { world, ada } = await twoReaders();
    world.services.subscriptions.erase(world.services.subscribers.findById(ada.id)!);
    const left = world.db.prepare('SELECT subscriber_id FROM feedback_choices UNION ALL SELECT subscriber_id FROM reader_models').all();
    expect(left).toEqual(world.db.prepare('SELECT id AS subscriber_id FROM subscribers WHERE email = ?').all('bob@example.com').flatMap((row) => [row, row]));
  });
});
