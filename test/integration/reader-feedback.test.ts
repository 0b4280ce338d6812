import { describe, expect, it } from 'vitest';
import { digestWorld, type DigestWorld } from '../helpers/digest.js';
import { paper } from '../helpers/papers.js';
import { tampered } from '../helpers/http.js';

const DAY1 = '2026-11-27T08:00:00Z';
const DAY2 = '2026-11-28T08:00:00Z';
const local = (url: string) => url.replace(/^https?:\/\/[^/]+/, '');

const fins = (n: number, upvotes: number) =>
  paper({
    title: `Zebrafish fin regeneration study ${n}`,
    abstract: `Blastema cells drive fin regeneration after amputation; we track osteoblast dedifferentiation and regrowth of the fin ray, case ${n}.`,
    upvotes,
  });
const hearts = (n: number, upvotes: number) =>
  paper({
    title: `Zebrafish heart development atlas ${n}`,
    abstract: `Cardiomyocyte lineage tracing across ventricle and atrium formation during embryonic heart development, cohort ${n}.`,
    upvotes,
  });

function seqOf(world: DigestWorld, title: string): number {
  return world.db.prepare<[string], { seq: number }>('SELECT seq FROM papers WHERE title = ?').get(title)!.seq;
}

const count = (world: DigestWorld, table: string) => (world.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** Titles in the order a plain-text digest lists them. */
const order = (text: string) => [...text.matchAll(/^\d+\. (.+)$/gm)].map((m) => m[1]!);

async function dayOne() {
  const world = await digestWorld();
  const ada = world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
  const bob = world.subscribe({ email: 'bob@example.com', topics: ['zebrafish'] });
  world.addPapers([fins(1, 5), fins(2, 5), hearts(1, 50), hearts(2, 50)], '2026-11-26T10:00:00Z');
  await world.run(DAY1);
  return { world, ada, bob };
}

describe('"More like this" and "Less like this"', () => {
  it('puts both links on every card of the email, each for that paper only', async () => {
    const { world, ada } = await dayOne();
    const [mail] = world.inbox('ada@example.com');
    const text = String(mail!.parsed.text);
    const html = String(mail!.parsed.html);
    const seq = seqOf(world, 'Zebrafish fin regeneration study 1');
    const more = world.services.links.feedbackUrl(ada, seq, 'more');
    expect(text).toContain(`More like this: ${more}`);
    expect(html).toContain(`href="${more}"`);
    expect(html).toContain(`href="${world.services.links.feedbackUrl(ada, seq, 'less')}"`);
    expect(html.match(/>More like this</g)).toHaveLength(4);
    // No placeholder survives, and Bob's email carries Bob's links, not Ada's.
    expect(html + text).not.toContain('paperboy.invalid');
    expect(String(world.inbox('bob@example.com')[0]!.parsed.text)).not.toContain(more);
  });

  it('records a choice on POST only: a GET (a mail scanner) shows the paper and both buttons and changes nothing', async () => {
    const { world, ada } = await dayOne();
    const seq = seqOf(world, 'Zebrafish fin regeneration study 1');
    const url = local(world.services.links.feedbackUrl(ada, seq, 'more'));
    const page = await world.app.inject({ method: 'GET', url });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Zebrafish fin regeneration study 1');
    expect(page.body).toContain('More like this?');
    expect(page.body).toMatch(/<form method="post" action="\/feedback\/\d+\/more\?token(=|&#x3D;)[^"]+"/);
    expect(page.body).toMatch(/<form method="post" action="\/feedback\/\d+\/less\?token(=|&#x3D;)[^"]+"/);
    expect(page.body).toContain('rank papers like this one higher');
    expect(count(world, 'feedback_choices')).toBe(0);

    const saved = await world.app.inject({ method: 'POST', url });
    expect(saved.statusCode).toBe(200);
    expect(saved.body).toContain('Saved: more like this');
    expect(world.services.feedback.list(ada.id)).toMatchObject([{ seq, choice: 'more' }]);
    expect(count(world, 'reader_models')).toBe(1);

    // Change it, then undo it.
    await world.app.inject({ method: 'POST', url: url.replace('/more?', '/less?') });
    expect(world.services.feedback.list(ada.id)).toMatchObject([{ seq, choice: 'less' }]);
    const undone = await world.app.inject({ method: 'POST', url: url.replace('/more?', '/undo?') });
    expect(undone.body).toContain('Your choice is undone');
    expect(world.services.feedback.list(ada.id)).toEqual([]);
    expect(count(world, 'reader_models')).toBe(0);
  });

  it("refuses a token for another paper, another purpose or another reader, and records nothing", async () => {
    const { world, ada, bob } = await dayOne();
    const seq = seqOf(world, 'Zebrafish fin regeneration study 1');
    const other = seqOf(world, 'Zebrafish heart development atlas 1');
    const token = world.services.links.feedbackToken(ada, seq);
    const attempts = [
      `/feedback/${other}/more?token=${token}`,
      `/feedback/${seq}/more?token=${world.services.links.token('view', ada)}`,
      `/feedback/${seq}/more?token=${world.services.links.token('manage', ada)}`,
      `/feedback/${seq}/more?token=${tampered(token)}`,
      `/feedback/${seq}/more?token=${world.services.links.feedbackToken(bob, other)}`,
    ];
    for (const url of attempts) {
      for (const method of ['GET', 'POST'] as const) {
        const res = await world.app.inject({ method, url });
        expect(res.statusCode, `${method} ${url}`).toBe(400);
      }
    }
    // Nor does the feedback token open any other page.
    for (const url of [`/preferences?token=${token}`, `/unsubscribe?token=${token}`, `/feeds/${token}.atom`]) {
      expect((await world.app.inject({ method: 'GET', url })).statusCode, url).not.toBe(200);
    }
    for (const url of [`/feedback/abc/more?token=${token}`, `/feedback/${seq}/maybe?token=${token}`, `/feedback/${seq}/more`]) {
      expect((await world.app.inject({ method: 'POST', url })).statusCode, url).toBe(400);
    }
    expect(count(world, 'feedback_choices')).toBe(0);
  });

  it('reorders the next digest towards what the reader marked, and says why', async () => {
    const { world, ada } = await dayOne();
    for (const title of ['Zebrafish fin regeneration study 1', 'Zebrafish fin regeneration study 2']) {
      await world.app.inject({ method: 'POST', url: local(world.services.links.feedbackUrl(ada, seqOf(world, title), 'more')) });
    }
    await world.app.inject({ method: 'POST', url: local(world.services.links.feedbackUrl(ada, seqOf(world, 'Zebrafish heart development atlas 1'), 'less')) });

    // Day two: the heart papers have ten times the votes, so topics and trend alone put them first.
    world.addPapers([hearts(3, 60), hearts(4, 60), fins(3, 6), fins(4, 6)], '2026-11-27T10:00:00Z');
    await world.run(DAY2);
    const adaOrder = order(String(world.inbox('ada@example.com')[1]!.parsed.text));
    const bobOrder = order(String(world.inbox('bob@example.com')[1]!.parsed.text));
    expect(bobOrder.slice(0, 2).every((title) => title.includes('heart'))).toBe(true);
    expect(adaOrder.slice(0, 2).every((title) => title.includes('fin regeneration'))).toBe(true);
    expect(new Set(adaOrder)).toEqual(new Set(bobOrder));
    expect(String(world.inbox('ada@example.com')[1]!.parsed.text)).toMatch(/Like “Zebrafish fin regeneration study \d”, which you marked more like this/);
    expect(String(world.inbox('bob@example.com')[1]!.parsed.text)).not.toContain('which you marked');
  });

  it('offers the same links in the web view and the feed, where they open nothing but feedback', async () => {
    const { world, ada } = await dayOne();
    const seq = seqOf(world, 'Zebrafish fin regeneration study 1');
    const more = world.services.links.feedbackUrl(ada, seq, 'more');
    const [row] = world.ledger().filter((r) => r.subscriber_id === ada.id);
    const view = await world.app.inject({ method: 'GET', url: local(world.services.links.digestUrl(ada, row!.id)) });
    expect(view.body).toContain(`href="${more}"`);
    expect(view.body).not.toContain('paperboy.invalid');
    const feed = await world.app.inject({ method: 'GET', url: local(world.services.links.feedUrl(ada)) });
    expect(feed.statusCode).toBe(200);
    // Escaped twice: an attribute inside HTML inside XML.
    expect(feed.body).toContain(`&lt;a href=&quot;${more}&quot;&gt;More like this&lt;/a&gt;`);
    // A link from either place records only after its button is pressed.
    expect((await world.app.inject({ method: 'GET', url: local(more) })).statusCode).toBe(200);
    expect(count(world, 'feedback_choices')).toBe(0);
  });
});
