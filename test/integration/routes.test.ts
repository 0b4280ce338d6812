import { readMigrations } from '../../src/db/migrate.js';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { paper, storePapers } from '../helpers/store.js';

const apps: Array<ReturnType<typeof buildApp>> = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** The app over a real SQLite file holding the seed papers. */
const seededApp = () => testApp();

const matches = (app: ReturnType<typeof buildApp>, query: Record<string, string | string[]>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) for (const v of [value].flat()) search.append(key, v);
  return app.inject({ method: 'GET', url: `/api/matches?${search}` });
};

describe('GET /healthz', () => {
  it('answers 200 with the schema version when the database answers', async () => {
    const { app } = await seededApp();
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', schemaVersion: readMigrations().length, papers: 84 });
  });

  it('answers 503 when the database is gone', async () => {
    const { app, db } = await seededApp();
    db.close();
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'unavailable' });
  });
});

describe('GET /api/matches', () => {
  it('lists the papers the topics match, best first, with id, title, score and matched terms', async () => {
    const { app } = await seededApp();
    const res = await matches(app, { topics: 'test-time adaptation', limit: '5' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    const body = res.json() as Array<{ id: string; title: string; score: number; matched: string[]; publishedAt: string | null; ingestedAt: string }>;
    expect(body).toHaveLength(5);
    for (const paper of body) {
      expect(paper.id).toMatch(/^seed-[0-9a-f]{12}$/);
      // The seed page's capture date is not when a paper came out: the preview says when it was added instead.
      expect(paper.publishedAt).toBeNull();
      expect(paper.ingestedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(paper.title).toMatch(/test[- ]time\b.*\badaptation/i);
      expect(paper.matched).toEqual(expect.arrayContaining(['adaptation']));
      expect(paper.matched.some((term) => /^test.time$/.test(term))).toBe(true);
    }
    const scores = body.map((paper) => paper.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('takes topics as newline-separated text or as a repeated parameter, and ORs them', async () => {
    const { app } = await seededApp();
    const joined = (await matches(app, { topics: 'LoRA\nquantization', limit: '50' })).json() as Array<{ id: string; topics: string[] }>;
    const repeated = (await matches(app, { topics: ['LoRA', 'quantization'], limit: '50' })).json() as Array<{ id: string }>;
    expect(repeated.map((p) => p.id)).toEqual(joined.map((p) => p.id));
    const topics = new Set(joined.flatMap((p) => p.topics));
    expect(topics).toEqual(new Set(['LoRA', 'quantization']));
  });

  it('defaults to 10 results and caps the limit', async () => {
    const { app } = await seededApp();
    expect((await matches(app, { topics: 'learning' })).json()).toHaveLength(10);
    const tooMany = await matches(app, { topics: 'learning', limit: '51' });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json()).toMatchObject({ statusCode: 400, message: 'limit must be a whole number from 1 to 50', field: 'limit' });
  });

  it('never shows an old match with a score of 0', async () => {
    const { app, db } = await testApp({ seed: false });
    storePapers(db, [paper({ title: 'Contrastive loss at scale', publishedAt: '2024-10-22T00:00:00Z', upvotes: 64 })]);
    const [match] = (await matches(app, { topics: 'contrastive loss' })).json() as Array<{ score: number }>;
    expect(match!.score).toBeGreaterThan(0);
  });

  it('returns an empty list when nothing matches', async () => {
    const { app } = await seededApp();
    const res = await matches(app, { topics: 'zymurgy' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([]);
  });

  it.each([
    ['no topics', {}, /topics is required/],
    ['empty topics', { topics: '' }, /Enter at least one topic/],
    ['an unclosed quote', { topics: '"mixture of experts' }, /quote that is not closed/],
    ['only an exclusion', { topics: '-video' }, /only excludes words/],
    ['a NUL byte', { topics: 'lora\u0000video' }, /control character/],
    ['10,000 characters', { topics: 'x'.repeat(10_000) }, /10000 characters long/],
    ['a limit that is not a number', { topics: 'lora', limit: 'ten' }, /limit must be a whole number/],
    ['OR typed as an operator', { topics: '(lora) OR (^video)' }, /uses OR; put each alternative on a line of its own/],
  ])('answers 400 with a message a person can act on for %s', async (_label, query, message) => {
    const { app } = await seededApp();
    const res = await matches(app, query as Record<string, string>);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(message) });
  });

  it.each(['NEAR(lora quantization, 3)', "'; DROP TABLE papers; --", 'lora*', 'title:lora', '🚀 lora', '<b>LoRA</b>', '(lora) or (^video)'])(
    'never fails on hostile input %j',
    async (topics) => {
      const { app, db } = await seededApp();
      const res = await matches(app, { topics });
      expect(res.statusCode).toBe(200);
      expect(Array.isArray(res.json())).toBe(true);
      expect(db.prepare('SELECT count(*) AS n FROM papers').get()).toEqual({ n: 84 });
    },
  );
});

describe('errors', () => {
  it('answers 404 in JSON for an unknown route', async () => {
    const { app } = await seededApp();
    const res = await app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'There is no page at this address. Check it for typing mistakes, or start from the subscribe page.' });
  });

  it('answers a path with broken percent-encoding like any bad request, without echoing it', async () => {
    const { app } = await seededApp();
    const json = await app.inject({ method: 'GET', url: '/%E0%A4%A<x>' });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: 'This address is not valid. Check the link, or start from the subscribe page.' });
    const page = await app.inject({ method: 'GET', url: '/%E0%A4%A<x>', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(400);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('This address is not valid.');
    expect(page.body).not.toContain('<x>');
  });

  it('hides the details of a 500 from the client and logs them', async () => {
    const { services } = await testApp({ seed: false });
    const lines: string[] = [];
    const { pino } = await import('pino');
    const logger = pino({ level: 'error' }, { write: (line: string) => lines.push(line) });
    const app = buildApp({ services, logger });
    apps.push(app);
    app.get('/boom', async () => {
      throw new Error('secret database detail');
    });
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret');
    expect(res.json()).toMatchObject({ statusCode: 500, error: 'Internal Server Error' });
    expect(lines.join('')).toContain('secret database detail');
  });
});
