import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FIXTURE_LABELS,
  SEED,
  dataTables,
  fuzzWorld,
  hasEscapedMarker,
  marker,
  rawMarker,
  routeCoverage,
  snapshot,
  type FixtureLabel,
  type FuzzStats,
} from '../helpers/fuzz.js';
import {
  acceptHeader,
  anyString,
  commonHeaders,
  contentLength,
  cookieHeader,
  emailValue,
  encode,
  extraParams,
  fields,
  formBody,
  forwardedFor,
  headers,
  jsonBody,
  jsonField,
  jsonFields,
  linkQuery,
  linkUrl,
  oddContentType,
  queryEncoding,
  queryString,
  tokenText,
  topicValue,
  type LinkQuery,
} from '../helpers/fuzz-inputs.js';
import { cookiesFrom, hiddenField, tampered } from '../helpers/http.js';
import { paper } from '../helpers/papers.js';
import type { TokenPurpose } from '../../src/subscriptions/tokens.js';

/**
 * Every route the app registers, fed generated and adversarial requests.
 * Whatever is sent, an answer is never a 5xx, a refused request (4xx)
 * changes no row, and a page shows no input unescaped (see `send` in the
 * fuzz helper). A failure prints its seed and path; pass them to
 * `fc.assert` to replay it.
 */

const RUNS = {
  static: 300,
  subscribeForm: 550,
  subscribeJson: 550,
  confirm: 350,
  preferences: 500,
  unsubscribe: 350,
  digests: 250,
  feeds: 200,
  feedback: 250,
  matches: 300,
  outbox: 150,
};

/** Far above what a run takes alone, for a loaded machine; the file as a whole stays well under a minute. */
const FUZZ_TIMEOUT = 60_000;

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS';

/** The checks ran on what they are about: some refusals, some successes, and pages that reflect input. */
function expectExercised(stats: FuzzStats, { reflects = true } = {}) {
  expect(stats.rejected, 'no request was refused').toBeGreaterThan(0);
  expect(stats.ok, 'no request got through').toBeGreaterThan(0);
  expect(stats.html, 'no page was rendered').toBeGreaterThan(0);
  if (reflects) expect(stats.escaped, 'no page showed a marker, so the escaping check never ran').toBeGreaterThan(0);
}

// ---------------------------------------------------------------------------

describe('fuzz: the checks can fail', () => {
  it('finds a raw marker in a page, and not an escaped one', () => {
    expect(rawMarker('<p>Topic <zq7> is bad</p>')).not.toBeNull();
    expect(rawMarker('<input value="y"zq7">')).not.toBeNull();
    expect(rawMarker('<p>Topic &lt;zq7&gt; and y&quot;zq7 and y&#x27;zq7</p>')).toBeNull();
    // A template's own quote before an input that starts with the letters is not a finding.
    expect(rawMarker('<input value="zq7&quot;&gt;">')).toBeNull();
    expect(hasEscapedMarker('<p>&lt;zq7&gt;</p>')).toBe(true);
  });

  const world = fuzzWorld();
  it('sees a changed row in the store snapshot', () => {
    const { db, tables } = world();
    expect(tables).toEqual(expect.arrayContaining(['papers', 'subscribers', 'subscriber_topics', 'deliveries', 'sent_papers']));
    expect(tables.some((name) => name.startsWith('papers_fts'))).toBe(false);
    expect(dataTables(db)).toEqual(tables);
    const before = snapshot(db, tables);
    db.prepare('UPDATE subscribers SET send_hour = (send_hour + 1) % 24').run();
    const changed = snapshot(db, tables);
    expect(changed).not.toEqual(before);
    // subscriber_topics has no rowid; its rows count too.
    db.prepare('UPDATE subscriber_topics SET position = position + 10').run();
    expect(snapshot(db, tables)).not.toEqual(changed);
  });
});

describe('fuzz: GET /, /healthz, /assets and unknown paths', { timeout: FUZZ_TIMEOUT }, () => {
  const world = fuzzWorld();
  const KNOWN = ['/', '/healthz', '/assets/style.css', '/assets/subscribe.js', '/assets/favicon.svg', '/dev/outbox'];
  const path = fc.oneof(
    { arbitrary: fc.constantFrom(...KNOWN), weight: 6 },
    {
      arbitrary: fc.tuple(fc.constantFrom(...KNOWN), fc.constantFrom('/', '//', '%00', '%2f', '/..', '/../app.ts', '.map', '~', ';x', '%E0%A4%A', '%')).map(([known, suffix]) => `${known}${suffix}`),
      weight: 2,
    },
    { arbitrary: fc.constantFrom('/HEALTHZ', '//healthz', '/assets/', '/assets/%2e%2e/%2e%2e/package.json', '/assets/..%2f..%2fpackage.json', '/.env', '/%2e%2e/', `/${'a'.repeat(5000)}`), weight: 2 },
    { arbitrary: fc.tuple(anyString, queryEncoding).map(([segment, style]) => `/${style === 'raw' ? segment.replace(/[?#%\\]/g, encode) : encode(segment)}`), weight: 4 },
    // The "not found" page names the path; a quote is the one marker character a URL keeps.
    { arbitrary: fc.nat(999).map((n) => `/papers/y'zq${n}`), weight: 1 },
  );
  const request = fc.record({
    method: fc.oneof({ arbitrary: fc.constantFrom<Method>('GET', 'HEAD'), weight: 5 }, { arbitrary: fc.constantFrom<Method>('POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), weight: 1 }),
    path,
    query: extraParams,
    style: queryEncoding,
    headers: fc.record({ accept: fc.oneof(fc.constant('text/html'), acceptHeader), cookie: cookieHeader, 'x-forwarded-for': forwardedFor }),
    body: fc.option(fc.tuple(oddContentType, anyString), { nil: undefined }),
  });

  it(`answers ${RUNS.static} generated requests within the rules`, async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const search = queryString(r.query, r.style);
        const res = await world().send({
          method: r.method,
          url: search ? `${r.path}?${search}` : r.path,
          headers: headers({ ...r.headers, ...(r.body && r.method !== 'GET' && r.method !== 'HEAD' ? { 'content-type': r.body[0] } : {}) }),
          ...(r.body && r.method !== 'GET' && r.method !== 'HEAD' ? { payload: r.body[1] } : {}),
        });
        if (r.method === 'GET' && r.path === '/healthz') {
          expect(res.statusCode).toBe(200);
          expect(res.json()).toMatchObject({ status: 'ok' });
        }
      }),
      { seed: SEED, numRuns: RUNS.static },
    );
    // None of these pages repeats what was sent (a 404 no longer echoes its path), so there is no marker to find.
    expectExercised(world().stats, { reflects: false });
  });
});

describe('fuzz: POST /subscribe', { timeout: FUZZ_TIMEOUT }, () => {
  // A proxy in front, and a low limit, so X-Forwarded-For is read and some posts are turned away.
  const world = fuzzWorld({ env: { TRUST_PROXY: 'true', SUBSCRIBE_RATE_LIMIT: '8' } });
  const clientHeaders = fc.record({
    accept: acceptHeader,
    cookie: cookieHeader,
    // Mostly a new address each time, so the limit leaves room; two busy ones, so it also answers 429.
    'x-forwarded-for': fc.oneof(
      { arbitrary: fc.noBias(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => `10.${parts.join('.')}`)), weight: 6 },
      { arbitrary: fc.constantFrom('192.0.2.1', '192.0.2.2'), weight: 1 },
      { arbitrary: forwardedFor, weight: 1 },
    ),
    'content-length': contentLength,
  });

  it(`answers ${RUNS.subscribeForm} generated form posts within the rules`, async () => {
    const request = fc.record({
      contentType: fc.oneof({ arbitrary: fc.constant('application/x-www-form-urlencoded'), weight: 8 }, { arbitrary: oddContentType, weight: 1 }),
      body: formBody,
      headers: clientHeaders,
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        world().restore();
        await world().send({ method: 'POST', url: '/subscribe', headers: headers({ ...r.headers, 'content-type': r.contentType }), payload: r.body });
      }),
      { seed: SEED, numRuns: RUNS.subscribeForm },
    );
    expectExercised(world().stats);
    expect(world().stats.statuses.get(429), 'the rate limit never answered').toBeGreaterThan(0);
  });

  it(`answers ${RUNS.subscribeJson} generated JSON posts within the rules`, async () => {
    const request = fc.record({
      contentType: fc.oneof({ arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8'), weight: 8 }, { arbitrary: oddContentType, weight: 1 }),
      body: jsonBody,
      headers: clientHeaders,
    });
    const before = world().stats.ok;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        world().restore();
        const res = await world().send({ method: 'POST', url: '/subscribe', headers: headers({ ...r.headers, 'content-type': r.contentType }), payload: r.body });
        // A JSON client gets JSON back, whatever went wrong.
        if (r.contentType.startsWith('application/json')) expect(res.headers['content-type']).toMatch(/^application\/json/);
      }),
      { seed: SEED, numRuns: RUNS.subscribeJson },
    );
    expectExercised(world().stats);
    expect(world().stats.ok).toBeGreaterThan(before);
  });
});

describe('fuzz: GET and POST /confirm, POST /confirm/resend and GET and POST /manage-link', { timeout: FUZZ_TIMEOUT }, () => {
  const world = fuzzWorld();
  const request = fc.oneof(
    fc.record({
      route: fc.constant('manage-link' as const),
      method: fc.constantFrom<Method>('GET', 'HEAD', 'POST', 'POST'),
      query: fc.oneof(linkQuery('unsubscribe'), linkQuery('confirm')),
      remote: fc.ipV4(),
      headers: commonHeaders,
    }),
    fc.record({ route: fc.constant('confirm' as const), method: fc.constantFrom<Method>('GET', 'HEAD', 'POST', 'POST'), query: linkQuery('confirm'), headers: commonHeaders }),
    fc.record({
      route: fc.constant('resend' as const),
      query: fc.oneof(linkQuery('confirm'), fc.constant<LinkQuery>({ tokens: [], extra: [], style: 'encoded' })),
      body: fc.oneof(
        fc.record({ type: fc.constant('application/x-www-form-urlencoded'), payload: fc.oneof(emailValue.map((email) => `email=${encode(email)}`), formBody) }),
        fc.record({ type: fc.constant('application/json'), payload: fc.oneof(jsonField(emailValue).map((email) => JSON.stringify({ email })), jsonBody) }),
        fc.record({ type: oddContentType, payload: anyString }),
      ),
      remote: fc.ipV4(),
      headers: commonHeaders,
    }),
  );

  it(`answers ${RUNS.confirm} generated requests within the rules`, async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        world().restore();
        if (r.route === 'confirm') {
          const statuses = () => JSON.stringify(world().db.prepare('SELECT id, status FROM subscribers ORDER BY id').all());
          const before = statuses();
          await world().send({ method: r.method, url: linkUrl(world(), '/confirm', r.query), headers: headers(r.headers) });
          // Mail scanners open every link: only the POST may confirm.
          if (r.method !== 'POST') expect(statuses()).toBe(before);
        } else if (r.route === 'manage-link') {
          const queued = () => world().db.prepare('SELECT count(*) FROM notices').pluck().get();
          const before = queued();
          await world().send({ method: r.method, url: linkUrl(world(), '/manage-link', r.query), headers: headers(r.headers), remoteAddress: r.remote });
          // The page that offers the button emails nothing; only its POST may.
          if (r.method !== 'POST') expect(queued()).toBe(before);
        } else {
          await world().send({
            method: 'POST',
            url: linkUrl(world(), '/confirm/resend', r.query),
            headers: headers({ ...r.headers, 'content-type': r.body.type }),
            payload: r.body.payload,
            remoteAddress: r.remote,
          });
        }
      }),
      { seed: SEED, numRuns: RUNS.confirm },
    );
    expectExercised(world().stats);
    // Every outcome of a confirmation link was reached: confirmed, expired and inactive.
    for (const status of [200, 400, 409, 410]) expect(world().stats.statuses.get(status), `no ${status}`).toBeGreaterThan(0);
  });
});

describe('fuzz: preferences, delete and resubscribe', { timeout: FUZZ_TIMEOUT }, () => {
  const world = fuzzWorld();

  /** Where the CSRF cookie and field come from, if anywhere. */
  type Csrf = 'valid' | 'none' | 'cookie only' | 'field only' | 'from another link' | 'mangled field' | 'garbage cookie' | 'header' | 'field twice';
  const csrf = fc.oneof(
    { arbitrary: fc.constantFrom<Csrf>('valid', 'header'), weight: 6 },
    { arbitrary: fc.constantFrom<Csrf>('none', 'cookie only', 'field only', 'from another link', 'mangled field', 'garbage cookie', 'field twice'), weight: 3 },
  );
  const request = fc.record({
    route: fc.oneof(
      { arbitrary: fc.constantFrom('GET /preferences', 'POST /preferences'), weight: 6 },
      {
        arbitrary: fc.constantFrom('POST /preferences/delete', 'POST /resubscribe', 'HEAD /preferences', 'GET /preferences/data', 'HEAD /preferences/data', 'POST /preferences/feedback/clear'),
        weight: 2,
      },
    ),
    query: linkQuery('manage'),
    csrf,
    json: fc.boolean(),
    fields: fc.record({ form: fields, json: jsonFields }),
    garbage: fc.oneof({ arbitrary: fc.constant(undefined), weight: 6 }, { arbitrary: fc.oneof(formBody, jsonBody), weight: 1 }),
    headers: commonHeaders,
  });

  it(`answers ${RUNS.preferences} generated requests within the rules, with and without a valid CSRF token`, async () => {
    const succeeded = new Set<string>();
    let forbidden = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const w = world();
        w.restore();
        const [method, route] = r.route.split(' ') as [Method, string];
        const url = linkUrl(w, route, r.query);
        if (method !== 'POST') {
          const res = await w.send({ method, url, headers: headers(r.headers) });
          if (res.statusCode === 200) succeeded.add(r.route);
          return;
        }
        // Open the form as a browser would, from a genuine link, and take its cookie and field.
        let cookie: string | undefined;
        let field: string | undefined;
        if (r.csrf !== 'none' && r.csrf !== 'garbage cookie') {
          const posted = r.query.tokens[0] ?? { kind: 'text', text: '' };
          // "From another link": a genuine form, but opened from someone else's link than the one posted to.
          const other = posted.kind === 'signed' && posted.who === 'active' ? 'pending' : 'active';
          const formToken = r.csrf === 'from another link' ? w.services.links.token('manage', w.fixture(other)) : tokenText(w, posted);
          const page = await w.send({ method: 'GET', url: `/preferences?token=${encode(formToken)}` });
          if (page.statusCode === 200) {
            cookie = cookiesFrom(page.headers['set-cookie']);
            field = hiddenField(page.body, '_csrf');
          }
        }
        if (r.csrf === 'field only') cookie = undefined;
        if (r.csrf === 'cookie only') field = undefined;
        if (r.csrf === 'garbage cookie') cookie = `_csrf=${'A'.repeat(24)}`;
        if (r.csrf === 'mangled field' && field) field = `${field.slice(0, -2)}${field.endsWith('A') ? 'BB' : 'AA'}`;

        const values: Record<string, unknown> = r.json ? { ...r.fields.json } : { ...r.fields.form };
        if (field !== undefined && r.csrf !== 'header') values._csrf = r.csrf === 'field twice' ? [field, field] : field;
        const payload = r.garbage ?? (r.json ? JSON.stringify(values) : queryString(Object.entries(values).flatMap(([k, v]) => [v].flat().map((x): [string, string] => [k, String(x)])), 'encoded'));
        const res = await w.send({
          method,
          url,
          headers: headers({
            ...r.headers,
            cookie: cookie ?? r.headers.cookie,
            'content-type': r.json ? 'application/json' : 'application/x-www-form-urlencoded',
            'x-csrf-token': r.csrf === 'header' ? field : undefined,
          }),
          payload,
        });
        if (res.statusCode === 200) succeeded.add(r.route);
        if (res.statusCode === 403) forbidden += 1;
        if (r.csrf !== 'valid' && r.csrf !== 'header' && route !== '/resubscribe') expect(res.statusCode, 'a post without a matching CSRF pair went through').toBeGreaterThanOrEqual(400);
      }),
      { seed: SEED, numRuns: RUNS.preferences },
    );
    expectExercised(world().stats);
    // Saving, deleting and resubscribing each went through at least once, so their refusals were not the only answers.
    expect([...succeeded].sort()).toEqual([
      'GET /preferences',
      'GET /preferences/data',
      'HEAD /preferences',
      'HEAD /preferences/data',
      'POST /preferences',
      'POST /preferences/delete',
      'POST /preferences/feedback/clear',
      'POST /resubscribe',
    ]);
    expect(forbidden, 'the CSRF check never refused a post').toBeGreaterThan(0);
  });
});

describe('fuzz: GET and POST /unsubscribe', { timeout: FUZZ_TIMEOUT }, () => {
  const world = fuzzWorld();
  const boundary = fc.constantFrom('b', '----paperboy', 'x'.repeat(70), '"quoted"');
  const part = (name: string, value: string, extra = '') => `Content-Disposition: form-data; name="${name}"${extra}\r\n\r\n${value}\r\n`;
  const multipart = fc
    .tuple(
      boundary,
      fc.constantFrom('one-click', 'no closing', 'no parts', 'file', 'many fields', 'proto', 'long field', 'garbage', 'wrong boundary', 'no boundary'),
      anyString,
    )
    .map(([b, shape, text]) => {
      const open = `--${b.replace(/"/g, '')}\r\n`;
      const close = `--${b.replace(/"/g, '')}--\r\n`;
      const bodies: Record<string, string> = {
        'one-click': `${open}${part('List-Unsubscribe', 'One-Click')}${close}`,
        'no closing': `${open}${part('List-Unsubscribe', 'One-Click')}`,
        'no parts': close,
        file: `${open}${part('f', text, '; filename="x.txt"')}${close}`,
        'many fields': `${Array.from({ length: 7 }, (_, i) => `${open}${part(`f${i}`, 'x')}`).join('')}${close}`,
        proto: `${open}${part('__proto__', 'x')}${close}`,
        'long field': `${open}${part('List-Unsubscribe', 'x'.repeat(3000))}${close}`,
        garbage: text,
        'wrong boundary': `--other\r\n${part('List-Unsubscribe', 'One-Click')}--other--\r\n`,
        'no boundary': `${open}${part('List-Unsubscribe', text)}${close}`,
      };
      const type = shape === 'no boundary' ? 'multipart/form-data' : `multipart/form-data; boundary=${b}`;
      return { type, payload: bodies[shape]! };
    });
  const body = fc.oneof(
    { arbitrary: fc.constant({ type: 'application/x-www-form-urlencoded', payload: 'List-Unsubscribe=One-Click' }), weight: 4 },
    { arbitrary: multipart, weight: 4 },
    { arbitrary: fc.record({ type: fc.constant('application/x-www-form-urlencoded'), payload: formBody }), weight: 1 },
    { arbitrary: fc.record({ type: fc.constant('application/json'), payload: jsonBody }), weight: 1 },
    { arbitrary: fc.record({ type: oddContentType, payload: anyString }), weight: 1 },
    { arbitrary: fc.constant({ type: undefined, payload: undefined }), weight: 1 },
  );
  const request = fc.record({
    method: fc.constantFrom<Method>('GET', 'HEAD', 'POST', 'POST', 'POST'),
    query: linkQuery('unsubscribe'),
    body,
    headers: commonHeaders,
    length: contentLength,
  });

  it(`answers ${RUNS.unsubscribe} generated requests, one-click bodies among them, within the rules`, async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        world().restore();
        const post = r.method === 'POST';
        const res = await world().send({
          method: r.method,
          url: linkUrl(world(), '/unsubscribe', r.query),
          headers: headers({ ...r.headers, ...(post ? { 'content-type': r.body.type, 'content-length': r.length } : {}) }),
          ...(post && r.body.payload !== undefined ? { payload: r.body.payload } : {}),
        });
        // RFC 8058: a one-click POST is answered, never redirected.
        expect(res.statusCode < 300 || res.statusCode >= 400).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS.unsubscribe },
    );
    // These pages show only the stored address, never what was sent.
    expectExercised(world().stats, { reflects: false });
  });
});

describe('fuzz: GET /digests/:id', { timeout: FUZZ_TIMEOUT }, () => {
  const world = fuzzWorld({
    papers: [
      paper({ title: 'Zebrafish <zq3> fins y"zq3 regrow', abstract: "Zebrafish y'zq3 study y\"><img src=x onerror=zq3>", authors: ['Ada <zq4>'] }),
      paper({ title: 'Zebrafish larvae at scale' }),
    ],
  });
  const idSegment = fc.oneof(
    { arbitrary: fc.constantFrom('own', 'own', 'own', 'other'), weight: 6 },
    { arbitrary: fc.constantFrom('0', '-1', '1.0', '01', ' 1', '1e3', '9'.repeat(16), '9'.repeat(17), '99999999999999999999', 'abc', '%2e%2e', '..', '%00', '١', '0x1', ''), weight: 2 },
    { arbitrary: anyString, weight: 1 },
  );
  const request = fc.record({
    method: fc.constantFrom<Method>('GET', 'GET', 'HEAD'),
    id: idSegment,
    // The digest's own reader mostly, so some requests get as far as the page.
    query: linkQuery('view', fc.oneof({ arbitrary: fc.constant<FixtureLabel>('active'), weight: 4 }, { arbitrary: fc.constantFrom(...FIXTURE_LABELS), weight: 1 })),
    headers: commonHeaders,
  });

  it(`answers ${RUNS.digests} generated requests within the rules`, async () => {
    const w = world();
    const active = w.fixture('active');
    // A reader of another digest, so "someone else's digest" is a real case.
    const other = w.services.subscribers.insertPending('reader@example.com', { ...active, topics: [{ text: 'zebrafish', key: 'zebrafish' }] }, '2026-11-20T00:00:00.000Z');
    w.services.subscribers.transition(other.id, ['pending'], 'active', '2026-11-20T00:00:00.000Z');
    await w.services.digests.run({ now: new Date('2026-12-01T08:00:00Z') });
    const ids = Object.fromEntries(w.db.prepare<[], { subscriber_id: number; id: number }>('SELECT subscriber_id, id FROM deliveries').all().map((row) => [row.subscriber_id, row.id]));
    expect(ids[active.id], 'the fixture got no digest to view').toBeDefined();
    expect(w.db.prepare('SELECT count(*) AS n FROM sent_papers').get()).not.toEqual({ n: 0 });
    let shown = 0;

    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const id = r.id === 'own' ? String(ids[active.id]) : r.id === 'other' ? String(ids[other.id]) : encode(r.id);
        const res = await w.send({ method: r.method, url: linkUrl(w, `/digests/${id}`, r.query), headers: headers(r.headers) });
        // ".." is not an id: the URL resolves to another route, which may well answer 200.
        if (res.statusCode === 200 && r.method === 'GET' && r.id === 'own') {
          shown += 1;
          // The stored paper's markup and the topic it matched show as text.
          expect(res.body).toContain('Zebrafish &lt;zq3&gt; fins y&quot;zq3 regrow');
          expect(res.body).toContain('zebrafish &lt;zq3&gt; y&#x27;zq3');
        }
      }),
      { seed: SEED, numRuns: RUNS.digests },
    );
    expectExercised(w.stats);
    expect(shown, 'no digest was ever shown').toBeGreaterThan(0);
  });
});

describe('fuzz: GET /feeds/:file', { timeout: FUZZ_TIMEOUT }, () => {
  const world = fuzzWorld({
    // The fixture reader's topic asks for these words, so the digest, and so the feed, holds this paper.
    papers: [paper({ title: 'Zebrafish <zq3> fins y"zq3 regrow', abstract: "Zebrafish y'zq3 study y\"><img src=x onerror=zq3>", authors: ['Ada <zq4>'] })],
  });
  const request = fc.record({
    method: fc.constantFrom<Method>('GET', 'GET', 'HEAD'),
    // The reader's own feed token mostly, so some requests reach the feed; then every other kind of token and junk.
    token: fc.oneof(
      { arbitrary: fc.constant('feed'), weight: 4 },
      { arbitrary: fc.constantFrom('manage', 'view', 'unsubscribe', 'confirm', 'tampered'), weight: 2 },
      { arbitrary: anyString, weight: 1 },
    ),
    suffix: fc.constantFrom('.atom', '.atom', '.atom', '.rss', '', '.atom.atom', '%2Eatom'),
    headers: commonHeaders,
  });

  it(`answers ${RUNS.feeds} generated requests within the rules`, async () => {
    const w = world();
    const active = w.fixture('active');
    await w.services.digests.run({ now: new Date('2026-12-01T08:00:00Z') });
    const reader = w.services.subscribers.findById(active.id)!;
    const tokenFor = (kind: string) =>
      kind === 'tampered'
        ? tampered(w.services.links.token('feed', reader))
        : (['feed', 'manage', 'view', 'unsubscribe', 'confirm'] as readonly string[]).includes(kind)
          ? w.services.links.token(kind as TokenPurpose, reader)
          : encode(kind);
    let shown = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const res = await w.send({ method: r.method, url: `/feeds/${tokenFor(r.token)}${r.suffix}`, headers: headers(r.headers) });
        // `%2Eatom` is `.atom` once the path is decoded: the same address.
        if (r.token !== 'feed' || !['.atom', '%2Eatom'].includes(r.suffix)) expect(res.statusCode).not.toBe(200);
        if (res.statusCode === 200 && r.method === 'GET') {
          shown += 1;
          expect(res.body).toContain('Zebrafish &lt;zq3&gt; fins y&quot;zq3 regrow');
          expect(res.body).not.toContain('<zq3>');
          expect(res.body).not.toContain('<img');
        }
      }),
      { seed: SEED, numRuns: RUNS.feeds },
    );
    expectExercised(w.stats, { reflects: false });
    expect(shown, 'no feed was ever shown').toBeGreaterThan(0);
  });
});

describe('fuzz: GET and POST /feedback/:seq/:choice', { timeout: FUZZ_TIMEOUT }, () => {
  const world = fuzzWorld({
    papers: [paper({ title: 'Zebrafish <zq3> fins y"zq3 regrow', authors: ['Ada <zq4>'] }), paper({ title: 'Zebrafish larvae at scale' })],
  });
  const request = fc.record({
    method: fc.constantFrom<Method>('GET', 'GET', 'HEAD', 'POST', 'POST'),
    seq: fc.oneof(
      { arbitrary: fc.constantFrom('own', 'own', 'own', 'other'), weight: 6 },
      { arbitrary: fc.constantFrom('0', '-1', '1.0', '01', '1e3', '9'.repeat(16), 'abc', '%2e%2e', '%00', ''), weight: 2 },
      { arbitrary: anyString, weight: 1 },
    ),
    choice: fc.oneof({ arbitrary: fc.constantFrom('more', 'less', 'undo'), weight: 6 }, { arbitrary: anyString, weight: 1 }),
    token: fc.oneof(
      { arbitrary: fc.constantFrom('own', 'own', 'own', 'other paper', 'view', 'unscoped', 'tampered'), weight: 6 },
      { arbitrary: anyString, weight: 1 },
    ),
    headers: commonHeaders,
  });

  it(`answers ${RUNS.feedback} generated requests within the rules`, async () => {
    const w = world();
    const reader = w.fixture('active');
    const [own, other] = w.db.prepare<[], { seq: number }>('SELECT seq FROM papers ORDER BY seq').all().map((row) => row.seq);
    const tokenFor = (kind: string) =>
      kind === 'own' ? w.services.links.feedbackToken(reader, own!)
      : kind === 'other paper' ? w.services.links.feedbackToken(reader, other!)
      : kind === 'view' ? w.services.links.token('view', reader)
      : kind === 'unscoped' ? w.services.links.token('feedback', reader)
      : kind === 'tampered' ? tampered(w.services.links.feedbackToken(reader, own!))
      : kind;
    let shown = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const seq = r.seq === 'own' ? String(own) : r.seq === 'other' ? String(other) : encode(r.seq);
        const url = `/feedback/${seq}/${encode(r.choice)}?token=${encode(tokenFor(r.token))}`;
        const res = await w.send({ method: r.method, url, headers: headers(r.headers) });
        // A token names one paper: the own paper's token opens it, the other paper's token the other.
        const matching = (r.token === 'own' && r.seq === 'own') || (r.token === 'other paper' && r.seq === 'other');
        const genuine = matching && (r.method === 'POST' ? ['more', 'less', 'undo'] : ['more', 'less']).includes(r.choice);
        if (!genuine) expect(res.statusCode, url).not.toBe(200);
        if (res.statusCode === 200 && r.method !== 'HEAD' && r.seq === 'own') {
          shown += 1;
          expect(res.body).toContain('Zebrafish &lt;zq3&gt; fins y&quot;zq3 regrow');
        }
      }),
      { seed: SEED, numRuns: RUNS.feedback },
    );
    expectExercised(w.stats);
    expect(shown, 'no feedback page was ever shown').toBeGreaterThan(0);
  });
});

describe('fuzz: GET /api/matches', { timeout: FUZZ_TIMEOUT }, () => {
  const world = fuzzWorld({
    papers: [
      paper({ title: 'LoRA adapters for <zq5> quantized models', abstract: 'Low-rank adaptation y"zq5 with quantization.' }),
      paper({ title: 'Test-time adaptation in the wild' }),
      paper({ title: 'Mixture of experts without video', keywords: ['mixture of experts'] }),
    ],
  });
  const limit = fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 50 }).map(String), weight: 4 },
    { arbitrary: fc.constantFrom('0', '51', '-1', '1.5', 'ten', '', ' 5', '0x10', '1e1', 'Infinity', '5abc'), weight: 2 },
    { arbitrary: anyString, weight: 1 },
  );
  const request = fc.record({
    method: fc.constantFrom<Method>('GET', 'GET', 'HEAD'),
    topics: fc.oneof({ arbitrary: fc.array(topicValue, { minLength: 1, maxLength: 1 }), weight: 6 }, { arbitrary: fc.array(topicValue, { minLength: 2, maxLength: 4 }), weight: 2 }, { arbitrary: fc.constant<string[]>([]), weight: 1 }),
    topicsKey: fc.constantFrom('topics', 'topics', 'topics', 'topics[]', 'Topics'),
    limits: fc.array(limit, { maxLength: 2 }),
    extra: extraParams,
    style: fc.oneof({ arbitrary: fc.constant('encoded' as const), weight: 4 }, { arbitrary: queryEncoding, weight: 1 }),
    headers: fc.record({ accept: fc.oneof(fc.constant('text/html'), acceptHeader), cookie: cookieHeader }),
  });

  it(`answers ${RUNS.matches} generated queries within the rules`, async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const params: Array<[string, string]> = [...r.topics.map((t): [string, string] => [r.topicsKey, t]), ...r.limits.map((l): [string, string] => ['limit', l]), ...r.extra];
        const res = await world().send({ method: r.method, url: `/api/matches?${queryString(params, r.style)}`, headers: headers(r.headers) });
        if (res.statusCode === 200 && r.method === 'GET') expect(Array.isArray(res.json())).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS.matches },
    );
    expectExercised(world().stats);
  });
});

describe('fuzz: /dev/outbox', { timeout: FUZZ_TIMEOUT }, () => {
  const world = fuzzWorld({ outbox: true, papers: [paper({ title: 'Zebrafish <zq3> y"zq3 fins' })] });
  const request = fc.record({
    method: fc.constantFrom<Method>('GET', 'GET', 'HEAD'),
    file: fc.oneof(
      { arbitrary: fc.nat(9).map((i) => ({ kind: 'stored' as const, i })), weight: 4 },
      {
        arbitrary: fc
          .oneof(
            fc.constantFrom('20261127T100000000Z-00000000.eml', '20261127T100000000Z-0000000G.eml', '../paperboy.db', '..%2Fpaperboy.db', '%2e%2e%2fpaperboy.db', '.eml', 'x'.repeat(101), '%00.eml', ''),
            marker,
            anyString,
          )
          .map((text) => ({ kind: 'text' as const, text })),
        weight: 2,
      },
      { arbitrary: fc.constant({ kind: 'list' as const }), weight: 1 },
    ),
    suffix: fc.constantFrom('', '/html', '/raw', '/', '/other'),
    query: extraParams,
    headers: commonHeaders,
  });

  it(`answers ${RUNS.outbox} generated requests within the rules`, async () => {
    const w = world();
    // Mail worth showing: confirmations carrying marked topics, and a digest with a marked paper title.
    for (const email of ['ada@example.com', 'grace@example.com']) {
      const res = await w.send({ method: 'POST', url: '/subscribe', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email, topics: ['zebrafish <zq7>', "y'zq7 y\"zq7\""] }) });
      expect(res.statusCode).toBe(202);
    }
    await w.services.digests.run({ now: new Date('2026-12-01T08:00:00Z') });
    await w.services.subscriptions.drain();
    const files = (await w.services.outbox!.list()).map((entry) => entry.file);
    expect(files.length).toBeGreaterThanOrEqual(3);

    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const file = r.file.kind === 'stored' ? files[r.file.i % files.length]! : r.file.kind === 'text' ? encode(r.file.text) : '';
        const base = r.file.kind === 'list' ? '/dev/outbox' : `/dev/outbox/${file}${r.suffix}`;
        const search = queryString(r.query, 'encoded');
        await w.send({ method: r.method, url: search ? `${base}?${search}` : base, headers: headers(r.headers) });
      }),
      { seed: SEED, numRuns: RUNS.outbox },
    );
    expectExercised(w.stats);
  });
});

describe('fuzz: coverage', () => {
  it('reached every route the app registers', () => {
    expect(routeCoverage.registered.size).toBeGreaterThan(15);
    const missed = [...routeCoverage.registered].filter((route) => !routeCoverage.reached.has(route));
    expect(missed).toEqual([]);
  });

  it(`ran ${Object.values(RUNS).reduce((a, b) => a + b, 0)} generated cases in all`, () => {
    expect(Object.values(RUNS).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2000);
  });
});
