import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connection.js';
import { ARXIV_SPACING_MS, arxivFeed } from '../../src/papers/sources/arxiv.source.js';
import type { HttpClientOptions } from '../../src/papers/sources/http-client.js';
import { hfDailyFeed } from '../../src/papers/sources/hf-daily.source.js';
import { createPacer } from '../../src/papers/sources/pacer.js';
import { atom, type FixtureResponse, inTurn, json, startFixtureServer } from '../helpers/fixture-server.js';
import { ATOM, hfEntries, ingestFeed, quickHttp, snapshot } from '../helpers/sources.js';
import { paper, storePapers, tempDb } from '../helpers/store.js';

type SourceName = 'hf' | 'arxiv';

const GOOD: Record<SourceName, FixtureResponse> = { hf: json(hfEntries()), arxiv: atom(ATOM) };
const EMPTY: Record<SourceName, FixtureResponse> = { hf: json([]), arxiv: atom('<feed xmlns="http://www.w3.org/2005/Atom"></feed>') };
const HTML_PAGE: FixtureResponse = {
  status: 200,
  headers: { 'content-type': 'text/html' },
  body: '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><hr><p>nginx</body></html>',
};

/** A store that already holds papers, one of them a paper the sources also serve, so any write would show. */
function storeWithPapers(): Db {
  const { db } = tempDb();
  storePapers(db, [paper({ id: '2410.17243', upvotes: 3, title: 'Stored before the run' }), paper({ id: '2301.00001' })]);
  return db;
}

async function run(source: SourceName, responses: FixtureResponse[], http: Partial<HttpClientOptions> = {}) {
  const db = storeWithPapers();
  const before = snapshot(db);
  const server = await startFixtureServer(inTurn(responses, () => EMPTY[source]));
  const client = quickHttp(http);
  const feed =
    source === 'hf'
      ? hfDailyFeed({ baseUrl: server.url, date: '2024-10-25', http: client.http })
      : arxivFeed({ baseUrl: server.url, categories: ['cs.LG'], http: client.http, pacer: createPacer(ARXIV_SPACING_MS, { sleep: async () => undefined }) });
  const result = await ingestFeed(db, feed);
  return { db, before, server, result, sleeps: client.sleeps };
}

const retryAfterDate = () => new Date(Date.now() + 3_000).toUTCString();

const MODES: Array<[string, SourceName, () => FixtureResponse, RegExp, Partial<HttpClientOptions>?]> = [
  // The timeout leaves room for a loaded machine to get the request to the server at all: the test counts arrivals.
  ['a timeout', 'hf', () => ({ ...GOOD.hf, delayMs: 5_000 }), /timed out/, { timeoutMs: 1_000 }],
  ['a timeout', 'arxiv', () => ({ ...GOOD.arxiv, delayMs: 5_000 }), /timed out/, { timeoutMs: 1_000 }],
  ['HTTP 500', 'hf', () => ({ status: 500, body: 'Internal Server Error' }), /HTTP 500 Internal Server Error/],
  ['HTTP 503', 'arxiv', () => ({ status: 503, body: 'Service Unavailable' }), /HTTP 503 Service Unavailable/],
  ['HTTP 429 with Retry-After seconds', 'hf', () => ({ status: 429, headers: { 'retry-after': '2' } }), /HTTP 429 Too Many Requests/],
  ['HTTP 429 with a Retry-After date', 'arxiv', () => ({ status: 429, headers: { 'retry-after': retryAfterDate() } }), /HTTP 429/],
  ['a connection reset', 'hf', () => ({ reset: true }), /fetch failed \((ECONNRESET|UND_ERR_SOCKET|other side closed)\)/],
  ['a connection reset', 'arxiv', () => ({ reset: true }), /fetch failed/],
  ['invalid JSON', 'hf', () => json('[{"paper": {"id": "2410.17243", '), /the response is not JSON \(gave up/],
  ['an HTML error page in place of JSON', 'hf', () => HTML_PAGE, /the response is not JSON \(it looks like an HTML page\)/],
  ['invalid XML', 'arxiv', () => atom('<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/1'), /not valid XML: line 1/],
  ['an HTML error page in place of XML', 'arxiv', () => HTML_PAGE, /not valid XML \(it looks like an HTML page\)/],
];

describe('a source that keeps failing', () => {
  it.each(MODES)('%s from %s: retried up to the cap, then the run fails and the store is exactly as it was', async (_mode, source, bad, reason, http) => {
    const { db, before, server, result } = await run(source, [bad(), bad(), bad(), GOOD[source]], http);
    expect(result.failure?.message).toMatch(reason);
    expect(result.failure?.message).toMatch(/\(gave up after 3 tries\)$/);
    expect(result).toMatchObject({ added: 0, updated: 0, pages: 0 });
    // Three tries, and the good answer waiting behind them was never fetched.
    expect(server.requests).toHaveLength(3);
    expect(snapshot(db)).toEqual(before);
  });
});

describe('a source that fails once', () => {
  it.each(MODES)('%s from %s: retried, and the run stores the page', async (_mode, source, bad, _reason, http) => {
    const { db, before, result } = await run(source, [bad(), GOOD[source]], http);
    expect(result.failure).toBeNull();
    expect(result.added + result.updated).toBeGreaterThanOrEqual(3);
    expect(snapshot(db)).not.toEqual(before);
  });
});

describe('retry timing', () => {
  it('backs off exponentially with jitter', async () => {
    const { sleeps } = await run('hf', [{ status: 500 }, { status: 502 }, { status: 504 }]);
    // Base 100 ms doubling, with equal jitter at random() = 0.5: 3/4 of each step.
    expect(sleeps).toEqual([75, 150]);
  });

  it('waits as long as Retry-After says, in seconds or as a date', async () => {
    const seconds = await run('hf', [{ status: 503, headers: { 'retry-after': '2' } }, GOOD.hf]);
    expect(seconds.sleeps).toEqual([2_000]);
    const date = await run('hf', [{ status: 429, headers: { 'retry-after': retryAfterDate() } }, GOOD.hf]);
    expect(date.sleeps).toHaveLength(1);
    expect(date.sleeps[0]).toBeGreaterThan(1_000);
    expect(date.sleeps[0]).toBeLessThanOrEqual(3_000);
  });

  it('gives up rather than wait past its limit, when backoff or Retry-After would take it there', async () => {
    const capped = await run('hf', [{ status: 500 }, { status: 500 }, { status: 500 }], {
      retry: { attempts: 10, baseDelayMs: 100, maxDelayMs: 1_000, maxTotalWaitMs: 200 },
    });
    expect(capped.sleeps).toEqual([75]);
    expect(capped.result.failure?.message).toMatch(/gave up after 2 tries: waiting more would pass the 0.2 s limit/);

    const slow = await run('hf', [{ status: 429, headers: { 'retry-after': '3600' } }, GOOD.hf]);
    expect(slow.sleeps).toEqual([]);
    expect(slow.result.failure?.message).toMatch(/the server asked for 3600 s/);
    expect(snapshot(slow.db)).toEqual(slow.before);
  });

  it('does not retry a request the server calls wrong (404)', async () => {
    const { server, result, db, before } = await run('hf', [{ status: 404, body: 'no such date' }, GOOD.hf]);
    expect(server.requests).toHaveLength(1);
    expect(result.failure?.message).toMatch(/HTTP 404 Not Found$/);
    expect(snapshot(db)).toEqual(before);
  });

  it('refuses a body larger than a page can be', async () => {
    const { result, db, before } = await run('hf', [GOOD.hf, GOOD.hf, GOOD.hf], { maxBytes: 1_000 });
    expect(result.failure?.message).toMatch(/more than the 1000 bytes a page may have/);
    expect(snapshot(db)).toEqual(before);
  });
});

describe('a failure on a later page', () => {
  it('keeps the pages stored before it, each whole, and nothing of the failing one', async () => {
    const entries = hfEntries();
    const bad: FixtureResponse = { status: 500 };
    const { db, result } = await run('hf', [json(entries.slice(0, 2)), bad, bad, bad, json(entries.slice(2))]);
    expect(result).toMatchObject({ pages: 1, updated: 1, added: 1 });
    expect(result.failure?.message).toMatch(/HTTP 500/);
    const ids = (db.prepare('SELECT id FROM papers ORDER BY id').all() as Array<{ id: string }>).map((row) => row.id);
    expect(ids).toEqual(['2301.00001', '2410.16251', '2410.17243']);
  });
});
