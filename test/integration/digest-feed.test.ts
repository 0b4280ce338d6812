import { parseFeed } from '@rowanmanning/feed-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FEED_ENTRIES } from '../../src/digest/digest-feed.js';
import { oneLine } from '../../src/text.js';
import { digestWorld } from '../helpers/digest.js';
import { paper } from '../helpers/papers.js';
import { tampered } from '../helpers/http.js';

const DAY1 = '2026-11-27T08:00:00Z';
const DAY2 = '2026-11-28T08:00:00Z';
const local = (url: string) => url.replace(/^https?:\/\/[^/]+/, '');

/** Ada and Bob each get two digests; Bob's topics match other papers than Ada's. */
async function twoDays() {
  const world = await digestWorld();
  const ada = world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
  const bob = world.subscribe({ email: 'bob@example.com', topics: ['quokka'] });
  world.addPapers(
    [
      paper({ id: '2511.00001', title: 'Zebrafish <em>fins</em> & "tails"', pageUrl: 'https://example.org/p/1', authors: ['Ada <Byron>', 'Alan Turing'] }),
      paper({ id: '2511.00002', title: 'Quokka smiles', pageUrl: 'https://example.org/p/2' }),
    ],
    '2026-11-26T10:00:00Z',
  );
  await world.run(DAY1);
  world.addPapers([paper({ id: '2511.00003', title: 'Zebrafish hearts mend', abstract: 'Hearts <b>mend</b> & ]]> grow', pageUrl: 'https://example.org/p/3' })], '2026-11-27T10:00:00Z');
  world.addPapers([paper({ id: '2511.00004', title: 'Quokka hops', pageUrl: 'https://example.org/p/4' })], '2026-11-27T10:00:00Z');
  await world.run(DAY2);
  const get = (url: string, headers: Record<string, string> = {}) => world.app.inject({ method: 'GET', url: local(url), headers });
  return { world, ada, bob, get };
}

describe('GET /feeds/<token>.atom', () => {
  it("is a valid Atom feed of the reader's sent papers, newest first, with every required element", async () => {
    const { world, ada, get } = await twoDays();
    const url = world.services.links.feedUrl(ada);
    expect(url).toMatch(/^http:\/\/paperboy\.test\/feeds\/[\w.-]+\.atom$/);
    const res = await get(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');

    const feed = parseFeed(res.body);
    expect(feed.meta.type).toBe('atom');
    expect(feed.element.findElementWithName('id')?.textContent).toBe(`tag:paperboy.test,2026:paperboy:feed:${ada.id}`);
    expect(feed.title).toBe('Your paperboy digests');
    expect(feed.self).toBe(url);
    // The feed is as new as its newest digest.
    expect(feed.updated?.toISOString()).toBe('2026-11-28T08:00:00.000Z');

    expect(feed.items.map((item) => item.title)).toEqual(['Zebrafish hearts mend', 'Zebrafish <em>fins</em> & "tails"']);
    const [newest, oldest] = feed.items;
    expect(newest!.id).toBe(`tag:paperboy.test,2026:paperboy:feed:${ada.id}:paper:2511.00003`);
    expect(oldest!.id).toBe(`tag:paperboy.test,2026:paperboy:feed:${ada.id}:paper:2511.00001`);
    expect(newest!.updated?.toISOString()).toBe('2026-11-28T08:00:00.000Z');
    expect(oldest!.updated?.toISOString()).toBe('2026-11-27T08:00:00.000Z');
    expect(oldest!.url).toBe('https://example.org/p/1');
    expect(oldest!.authors.map((author) => author.name)).toEqual(['Ada <Byron>', 'Alan Turing']);
    expect(newest!.authors.length).toBeGreaterThan(0);
    // Paper data is escaped, never markup.
    expect(res.body).toContain('Zebrafish &lt;em&gt;fins&lt;/em&gt; &amp; &quot;tails&quot;');
    expect(res.body).toContain('Hearts &lt;b&gt;mend&lt;/b&gt; &amp; ]]&gt; grow');
    expect(res.body).not.toMatch(/<em>|<b>/);
    expect(newest!.description).toBe('Hearts <b>mend</b> & ]]> grow');
    // Nothing names the reader's address.
    expect(res.body).not.toContain('ada@example.com');
  });

  it('links a seed paper that has no page yet to a search for its title, as its email card does', async () => {
    const world = await digestWorld();
    const ada = world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    world.addPapers(
      [paper({ id: 'seed-zebrafish-fins', source: 'seed', title: 'Zebrafish fins & tails', pageUrl: null, pdfUrl: null, projectUrl: null, publishedAt: '2025-03-17T00:00:00Z' })],
      '2026-11-26T10:00:00Z',
    );
    await world.run(DAY1);
    const body = (await world.app.inject({ method: 'GET', url: local(world.services.links.feedUrl(ada)) })).body;
    const feed = parseFeed(body);
    expect(feed.items.map((item) => item.url)).toEqual(['https://huggingface.co/papers?q=Zebrafish%20fins%20%26%20tails']);
    // The day the seed page was saved is not the paper's date: the entry claims none.
    expect(body).not.toContain('<published>');
  });

  it('stays a feed a parser reads, whatever text the papers hold', async () => {
    const world = await digestWorld({ env: { DIGEST_MAX_PAPERS: '50' } });
    const ada = world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    // Markup, quotes, CDATA ends and control characters, mixed with any other text. Not a literal entity
    // ("&amp;" as text): the parser decodes entities once more in titles, as it must for RSS, which would hide the check.
    const nasty = fc.constantFrom('<', '>', '&', '"', "'", ']]>', '<![CDATA[', '\u0000', '\u0008', '\u001b', '\ufffe', '\ud800', '<script>');
    const text = fc.array(fc.oneof(nasty, fc.string({ unit: 'binary', maxLength: 8 })), { maxLength: 8 }).map((parts) => parts.join(''));
    const titles = fc.sample(text, { seed: 4242, numRuns: 40 }).map((title, i) => `Zebrafish ${i} ${title}`);
    const authors = fc.sample(text, { seed: 4343, numRuns: 40 });
    world.addPapers(titles.map((title, i) => paper({ title, authors: [authors[i]!, 'B. Reader'] })), '2026-11-26T10:00:00Z');
    await world.run(DAY1);

    const res = await world.app.inject({ method: 'GET', url: local(world.services.links.feedUrl(ada)) });
    expect(res.statusCode).toBe(200);
    const feed = parseFeed(res.body);
    expect(feed.items).toHaveLength(40);
    // What is left of each title after ingest and the feed is the title as text: no markup was taken as markup.
    const stored = world.db.prepare('SELECT title FROM papers').all() as Array<{ title: string }>;
    const expected = new Set(stored.map(({ title }) => oneLine(title).replace(/[\ufffe\uffff]|[\ud800-\udfff]/gu, '')));
    for (const item of feed.items) expect(expected, String(item.title)).toContain(item.title);
    expect(res.body).not.toContain('<script>');
  });

  it('keeps entry ids stable as digests come and go', async () => {
    const { world, ada, get } = await twoDays();
    const ids = (body: string) => parseFeed(body).items.map((item) => item.id);
    const before = ids((await get(world.services.links.feedUrl(ada))).body);
    world.addPapers([paper({ id: '2511.00005', title: 'Zebrafish sleep', pageUrl: 'https://example.org/p/5' })], '2026-11-28T10:00:00Z');
    await world.run('2026-11-29T08:00:00Z');
    const after = ids((await get(world.services.links.feedUrl(ada))).body);
    expect(after).toEqual([`tag:paperboy.test,2026:paperboy:feed:${ada.id}:paper:2511.00005`, ...before]);
  });

  it(`holds at most the latest ${FEED_ENTRIES} papers`, async () => {
    const world = await digestWorld({ env: { DIGEST_MAX_PAPERS: '50' } });
    const ada = world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    for (const [day, at] of [['27', '2026-11-26T10:00:00Z'], ['28', '2026-11-27T10:00:00Z'], ['29', '2026-11-28T10:00:00Z']] as const) {
      world.addPapers(Array.from({ length: 45 }, (_, i) => paper({ title: `Zebrafish study ${day}-${i}` })), at);
      await world.run(`2026-11-${day}T08:00:00Z`);
    }
    const sent = (world.db.prepare('SELECT count(*) AS n FROM sent_papers').get() as { n: number }).n;
    expect(sent).toBeGreaterThan(FEED_ENTRIES);
    const feed = parseFeed((await world.app.inject({ method: 'GET', url: local(world.services.links.feedUrl(ada)) })).body);
    expect(feed.items).toHaveLength(FEED_ENTRIES);
    expect(feed.items[0]!.title).toMatch(/^Zebrafish study 29-/);
  });

  it("shows each reader only their own papers", async () => {
    const { world, bob, get } = await twoDays();
    const res = await get(world.services.links.feedUrl(bob));
    expect(res.statusCode).toBe(200);
    const titles = parseFeed(res.body).items.map((item) => item.title);
    expect(titles).toEqual(['Quokka hops', 'Quokka smiles']);
    expect(res.body).not.toContain('Zebrafish');
  });

  it('refuses a token made for any other purpose with the same 404 as an unknown address', async () => {
    const { world, ada, get } = await twoDays();
    const { links } = world.services;
    const unknown = await get('/feeds/1.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.atom');
    expect(unknown.statusCode).toBe(404);
    const wrong = (['manage', 'view', 'unsubscribe', 'confirm'] as const).map((purpose) => `/feeds/${links.token(purpose, ada)}.atom`);
    const feed = links.token('feed', ada);
    for (const url of [...wrong, `/feeds/${feed}`, `/feeds/${feed}.rss`, `/feeds/${tampered(feed)}.atom`, `/feeds/${'9'.repeat(90)}.atom`]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).toBe(unknown.body);
    }
    expect(unknown.body).not.toContain('Zebrafish');
    expect(unknown.headers['cache-control']).toBe('private, no-cache');
    // A raised token version (a new set of links) retires the old feed address too.
    world.db.prepare('UPDATE subscribers SET token_version = token_version + 1 WHERE id = ?').run(ada.id);
    expect((await get(`/feeds/${feed}.atom`)).statusCode).toBe(404);
  });

  it('answers a reader whose copy is current with 304, by ETag or by date', async () => {
    const { world, ada, get } = await twoDays();
    const url = world.services.links.feedUrl(ada);
    const first = await get(url);
    const etag = String(first.headers.etag);
    const lastModified = String(first.headers['last-modified']);
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(new Date(lastModified).getTime()).toBeGreaterThan(0);

    const byTag = await get(url, { 'if-none-match': etag });
    expect(byTag.statusCode).toBe(304);
    expect(byTag.body).toBe('');
    expect(byTag.headers.etag).toBe(etag);
    expect((await get(url, { 'if-modified-since': lastModified })).statusCode).toBe(304);

    // A stale copy gets the feed: another tag, or a date before the last change.
    expect((await get(url, { 'if-none-match': '"stale"' })).statusCode).toBe(200);
    const earlier = new Date(new Date(lastModified).getTime() - 1000).toUTCString();
    expect((await get(url, { 'if-modified-since': earlier })).statusCode).toBe(200);

    // A new digest changes the feed, so the old tag no longer matches.
    world.addPapers([paper({ title: 'Zebrafish sleep' })], '2026-11-28T10:00:00Z');
    await world.run('2026-11-29T08:00:00Z');
    const changed = await get(url, { 'if-none-match': etag });
    expect(changed.statusCode).toBe(200);
    expect(changed.body).toContain('Zebrafish sleep');
  });

  it('is private to its reader: no shared cache, no referrer, and no link with more power than reading', async () => {
    const { world, ada, get } = await twoDays();
    const res = await get(world.services.links.feedUrl(ada));
    const cache = String(res.headers['cache-control']);
    expect(cache).toContain('private');
    expect(cache).toContain('no-cache');
    expect(cache).not.toMatch(/public|s-maxage/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.body).not.toMatch(/\/preferences|\/unsubscribe|\/resubscribe|\/manage-link|\/digests\//);
    for (const purpose of ['manage', 'unsubscribe', 'view', 'confirm'] as const) {
      expect(res.body).not.toContain(world.services.links.token(purpose, ada));
    }
  });

  it('is linked from the digest email and the preferences page, not from the view-only web page', async () => {
    const { world, ada, get } = await twoDays();
    const { links } = world.services;
    const url = links.feedUrl(ada);
    const [email] = world.inbox('ada@example.com');
    expect(String(email!.parsed.html)).toContain(`href="${url}"`);
    expect(email!.parsed.text).toContain(url);

    const prefs = await get(links.url('manage', ada));
    expect(prefs.statusCode).toBe(200);
    expect(prefs.body).toContain(`href="${url}"`);

    const digestId = world.ledger().find((row) => row.subscriber_id === ada.id)!.id;
    const page = await get(links.digestUrl(ada, digestId));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Zebrafish');
    expect(page.body).not.toContain('/feeds/');
    // The linked address is the feed itself.
    expect((await get(url)).statusCode).toBe(200);
  });

  it('limits how often one address may ask, so tokens cannot be guessed at speed', async () => {
    const world = await digestWorld();
    const ada = world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    const url = local(world.services.links.feedUrl(ada));
    const codes: number[] = [];
    // Guesses and the real feed count alike.
    for (let i = 0; i < 120; i += 1) codes.push((await world.app.inject({ method: 'GET', url: i % 2 ? url : '/feeds/1.1.x.atom' })).statusCode);
    expect(new Set(codes)).toEqual(new Set([200, 404]));
    const over = await world.app.inject({ method: 'GET', url });
    expect(over.statusCode).toBe(429);
    expect(over.body).not.toContain('Zebrafish');
  });

  it('is a valid empty feed before the first digest', async () => {
    const world = await digestWorld();
    const ada = world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
    const res = await world.app.inject({ method: 'GET', url: local(world.services.links.feedUrl(ada)) });
    expect(res.statusCode).toBe(200);
    const feed = parseFeed(res.body);
    expect(feed.items).toEqual([]);
    expect(feed.updated?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });
});
