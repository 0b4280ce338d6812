import { describe, expect, it } from 'vitest';
import { digestWorld } from '../helpers/digest.js';
import { paper } from '../helpers/papers.js';
import { tampered } from '../helpers/http.js';

const DAY1 = '2026-11-27T08:00:00Z';
const local = (url: string) => url.replace(/^https?:\/\/[^/]+/, '');

async function sentDigest() {
  const world = await digestWorld();
  const ada = world.subscribe({ email: 'ada@example.com', topics: ['zebrafish'] });
  const bob = world.subscribe({ email: 'bob@example.com', topics: ['zebrafish'] });
  world.addPapers([paper({ title: 'Zebrafish <em>fins</em>' })], '2026-11-26T10:00:00Z');
  await world.run(DAY1);
  const [adaDigest] = world.ledger().filter((row) => row.subscriber_id === ada.id);
  return { world, ada, bob, id: adaDigest!.id };
}

describe('GET /digests/:id (view in browser)', () => {
  it('shows a reader their own digest, escaped, and keeps it out of caches', async () => {
    const { world, ada, id } = await sentDigest();
    const res = await world.app.inject({ method: 'GET', url: local(world.services.links.digestUrl(ada, id)) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.body).toContain('Zebrafish &lt;em&gt;fins&lt;/em&gt;');
    expect(res.body).not.toContain('<em>fins</em>');
    // The page is the digest itself: unlike the email, it does not link to itself again.
    expect(String(world.inbox('ada@example.com')[0]!.parsed.html)).toContain('View in browser');
    expect(res.body).not.toContain('View in browser');
    // View-only: the email (for its addressee) carries manage and unsubscribe links; the page, which a
    // forwarded view link also opens, carries no link with a token for anything but viewing.
    const email = String(world.inbox('ada@example.com')[0]!.parsed.html);
    expect(email).toMatch(/href="[^"]*\/preferences\?token/);
    expect(email).toMatch(/href="[^"]*\/unsubscribe\?token/);
    expect(res.body).not.toMatch(/href="[^"]*(\/preferences|\/unsubscribe|\/resubscribe|\/manage-link)[^"]*"/);
    expect(res.body).not.toContain(world.services.links.token('manage', ada));
    expect(res.body).not.toContain(world.services.links.token('unsubscribe', ada));
    expect(res.body).toContain('This page is view-only.');
    // The email linked to exactly this page.
    expect(world.inbox('ada@example.com')[0]!.parsed.text).toContain(world.services.links.digestUrl(ada, id));
  });

  it("answers another reader's token with 404, as if the digest did not exist", async () => {
    const { world, bob, id } = await sentDigest();
    const theirs = await world.app.inject({ method: 'GET', url: local(world.services.links.digestUrl(bob, id)) });
    const missing = await world.app.inject({ method: 'GET', url: local(world.services.links.digestUrl(bob, 999)) });
    expect(theirs.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    expect(theirs.body).toBe(missing.body);
    expect(theirs.body).not.toContain('Zebrafish');
  });

  it('refuses a forged token, or one made for another purpose, with 400', async () => {
    const { world, ada, id } = await sentDigest();
    const manage = world.services.links.token('manage', ada);
    const view = world.services.links.token('view', ada);
    for (const token of [manage, tampered(view), '', 'x'.repeat(300)]) {
      const res = await world.app.inject({ method: 'GET', url: `/digests/${id}?token=${encodeURIComponent(token)}` });
      expect(res.statusCode, token).toBe(400);
      expect(res.body).toContain('This link');
    }
    expect((await world.app.inject({ method: 'GET', url: `/digests/${id}` })).statusCode).toBe(400);
    expect((await world.app.inject({ method: 'GET', url: `/digests/abc?token=${view}` })).statusCode).toBe(400);
  });

  it('stops working when the reader deletes their data, which erases their digests too', async () => {
    const { world, ada, id } = await sentDigest();
    const count = (table: string) =>
      (world.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE subscriber_id = ?`).get(ada.id) as { n: number }).n;
    expect(count('deliveries')).toBe(1);
    expect(count('sent_papers')).toBe(1);
    world.services.subscriptions.erase(ada);
    expect(count('deliveries')).toBe(0);
    expect(count('sent_papers')).toBe(0);
    const res = await world.app.inject({ method: 'GET', url: local(world.services.links.digestUrl(ada, id)) });
    expect(res.statusCode).toBe(400);
  });
});
