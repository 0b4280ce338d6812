import fc from 'fast-check';
import type { TokenPurpose } from '../../src/subscriptions/tokens.js';
import { FIXTURE_LABELS, marker, type FixtureLabel, type FuzzWorld } from './fuzz.js';

/**
 * Inputs for fuzzing the HTTP app: adversarial strings, headers, tokens,
 * form fields and bodies. Strings that carry a marker (see `marker`) let the
 * escaping check tell an unescaped page from a safe one.
 */

// ---------------------------------------------------------------------------
// Strings and headers

const LONG = 'x'.repeat(5000);

/** Strings that have broken parsers, templates, headers or SQL somewhere before. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\t',
  '\r\n',
  '\n\n\n',
  '\u0000',
  'a\u0000b',
  '\u001b[31m',
  '\u007f',
  '<script>alert(1)</script>',
  '"\'><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '\u202eevil\u202c',
  '\u2066isolate\u2069',
  '\u200b',
  '\ufeff',
  '\u2028',
  '\ud800',
  '\udfff',
  '🚀',
  'e\u0301',
  'İstanbul',
  'ß',
  '٣',
  '８',
  '%00',
  '%0d%0a',
  '%3Cscript%3E',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '{{this}}',
  '{{{body}}}',
  '${process.env}',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-1',
  '1e3',
  '0x10',
  "'; DROP TABLE subscribers; --",
  'NEAR(lora quantization, 3)',
  'title:lora*',
  '^lora OR "',
  LONG,
];

/** Any string: nasty ones, random text in several alphabets, and a marker somewhere in text. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 3 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 1 },
  { arbitrary: fc.tuple(fc.string({ maxLength: 8 }), marker, fc.string({ maxLength: 8 })).map((parts) => parts.join('')), weight: 3 },
);

/** JSON values of the wrong shape for any field. */
const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 8.5, 1e21, [], {}, [null], { toString: 'x' }),
  fc.array(anyString, { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('a', 'email', 'toString', 'valueOf', 'length'), anyString, { maxKeys: 2 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Percent-encodes every byte but unreserved ones, as a browser's form encoder would. */
export const encode = (value: string) => encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '\ufffd'));

/** How a value is written into a query string: properly, not at all, or half-way. */
export const queryEncoding = fc.constantFrom<'encoded' | 'raw' | 'plus'>('encoded', 'raw', 'plus');

function encodeAs(style: 'encoded' | 'raw' | 'plus', value: string): string {
  if (style === 'encoded') return encode(value);
  if (style === 'plus') return encode(value).replace(/%20/g, '+');
  // Raw: only what would end the query early, and a backslash the test client cannot parse, is encoded; the rest goes as typed.
  return value.replace(/[#&%\\]/g, (ch) => encode(ch));
}

export function queryString(params: ReadonlyArray<readonly [string, string]>, style: 'encoded' | 'raw' | 'plus'): string {
  return params.map(([key, value]) => `${encodeAs(style, key)}=${encodeAs(style, value)}`).join('&');
}

/** Extra query parameters a link might pick up: trackers, repeats, arrays, markers. */
export const extraParams: fc.Arbitrary<Array<[string, string]>> = fc.array(
  fc.tuple(fc.constantFrom('utm_source', 'x', '', '__proto__', 'constructor', 'token[]', 'a[b]', '_csrf', 'limit', 'topics', 'id'), anyString),
  { maxLength: 3 },
);

/** Header values a client or a proxy might send. Never CR, LF or NUL, which no HTTP parser lets through. */
const headerText = anyString.map((value) => value.replace(/\p{Cc}/gu, ' ').replace(/[^\u0020-\u00ff]/g, '?').slice(0, 2000));

export const acceptHeader = fc.option(
  fc.oneof(fc.constantFrom('text/html', 'text/html,application/xhtml+xml,*/*;q=0.8', '*/*', 'application/json', 'text/html;q=0', 'image/*'), headerText),
  { nil: undefined },
);

export const cookieHeader = fc.option(
  fc.oneof(
    fc.constantFrom('_csrf=', '_csrf=%E0%A4%A', '_csrf=a; _csrf=b', ';;;', '=', '_csrf="quoted"', `_csrf=${'a'.repeat(4000)}`, '__proto__=x', 'constructor=y'),
    headerText.map((value) => `_csrf=${value}`),
    headerText,
  ),
  { nil: undefined },
);

export const forwardedFor = fc.option(
  fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('unknown', '', ', ,', '1.1.1.1, 2.2.2.2', '999.999.999.999', '::ffff:127.0.0.1'), headerText),
  { nil: undefined },
);

/** Garbage and near-miss content types, with charset parameters. */
export const oddContentType = fc.oneof(
  fc.constantFrom(
    'application/x-www-form-urlencoded; charset=iso-8859-1',
    'application/x-www-form-urlencoded;charset=UTF-8',
    'APPLICATION/X-WWW-FORM-URLENCODED',
    'application/json; charset=utf-16',
    'application/json;charset=latin1',
    'Application/JSON',
    'application/vnd.api+json',
    'application/json-patch+json',
    'text/json',
    'text/plain',
    'text/html',
    'application/xml',
    'multipart/form-data',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    'application/json, text/html',
    ';;;',
    '=',
    '*/*',
    '',
  ),
  headerText,
);

/** A Content-Length that does not match the body, where one is set at all. */
export const contentLength = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 8 },
  { arbitrary: fc.constantFrom('0', '1', '3', '99999', 'abc', '-1', '1.5'), weight: 1 },
);

/** Drops undefined headers, so a generated "no header" stays absent. */
export function headers(fields: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

// ---------------------------------------------------------------------------
// Tokens: genuine, for the wrong purpose, for nobody, revoked, mangled, repeated

type Mutation =
  | { kind: 'none' }
  | { kind: 'flip'; at: number; to: string }
  | { kind: 'cut'; keep: number }
  | { kind: 'wrap'; before: string; after: string }
  | { kind: 'case' };

type TokenSpec =
  | { kind: 'text'; text: string }
  | { kind: 'signed'; who: FixtureLabel; purpose: TokenPurpose; mutation: Mutation }
  | { kind: 'nobody'; purpose: TokenPurpose; id: number }
  | { kind: 'revoked'; who: FixtureLabel; purpose: TokenPurpose };

const PURPOSES: readonly TokenPurpose[] = ['confirm', 'manage', 'unsubscribe', 'view'];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(60), to: fc.constantFrom('A', '_', '-', '.', '0', '=', '%', ' ', 'é') }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('cut' as const), keep: fc.nat(60) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('wrap' as const), before: fc.constantFrom('', ' ', '\r\n', '\u0000', '<zq1>'), after: fc.constantFrom('', ' ', '=', '\r\n', '&x=1', 'y"zq2') }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'case' as const }), weight: 1 },
);

/** Tokens for routes whose own purpose is `purpose`: mostly the right kind, so requests get past the check. */
function tokenSpec(purpose: TokenPurpose, who: fc.Arbitrary<FixtureLabel>): fc.Arbitrary<TokenSpec> {
  return fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('signed' as const), who, purpose: fc.constant(purpose), mutation }), weight: 8 },
    { arbitrary: fc.record({ kind: fc.constant('signed' as const), who: fc.constantFrom(...FIXTURE_LABELS), purpose: fc.constantFrom(...PURPOSES), mutation }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('nobody' as const), purpose: fc.constantFrom(...PURPOSES), id: fc.constantFrom(0, 999_999, 2 ** 53, 1e15) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('revoked' as const), who: fc.constantFrom(...FIXTURE_LABELS), purpose: fc.constant(purpose) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('text' as const), text: anyString }), weight: 2 },
    {
      arbitrary: fc.record({
        kind: fc.constant('text' as const),
        text: fc.stringMatching(/^[0-9]{1,16}\.[0-9]{1,10}\.[A-Za-z0-9_-]{40,45}$/),
      }),
      weight: 1,
    },
  );
}

function mutate(token: string, m: Mutation): string {
  switch (m.kind) {
    case 'none':
      return token;
    case 'flip': {
      const at = m.at % token.length;
      return token.slice(0, at) + m.to + token.slice(at + 1);
    }
    case 'cut':
      return token.slice(0, m.keep % token.length);
    case 'wrap':
      return `${m.before}${token}${m.after}`;
    case 'case':
      return token.replace(/[a-z]/gi, (ch) => (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase()));
  }
}

export function tokenText(world: FuzzWorld, spec: TokenSpec): string {
  switch (spec.kind) {
    case 'text':
      return spec.text;
    case 'signed':
      return mutate(world.services.links.token(spec.purpose, world.fixture(spec.who)), spec.mutation);
    case 'nobody':
      return world.sign(spec.purpose, spec.id, 1);
    case 'revoked': {
      const subscriber = world.fixture(spec.who);
      return world.sign(spec.purpose, subscriber.id, subscriber.tokenVersion + 1, subscriber.tokenSecret);
    }
  }
}

/** `token` sent zero, one or several times, in among other parameters. */
export interface LinkQuery {
  tokens: TokenSpec[];
  extra: Array<[string, string]>;
  style: 'encoded' | 'raw' | 'plus';
}

export function linkQuery(purpose: TokenPurpose, who: fc.Arbitrary<FixtureLabel> = fc.constantFrom(...FIXTURE_LABELS)): fc.Arbitrary<LinkQuery> {
  return fc.record({
    tokens: fc.oneof(
      { arbitrary: fc.array(tokenSpec(purpose, who), { minLength: 1, maxLength: 1 }), weight: 10 },
      { arbitrary: fc.constant<TokenSpec[]>([]), weight: 1 },
      { arbitrary: fc.array(tokenSpec(purpose, who), { minLength: 2, maxLength: 3 }), weight: 1 },
    ),
    extra: fc.oneof({ arbitrary: fc.constant<Array<[string, string]>>([]), weight: 3 }, { arbitrary: extraParams, weight: 1 }),
    style: fc.oneof({ arbitrary: fc.constant('encoded' as const), weight: 4 }, { arbitrary: queryEncoding, weight: 1 }),
  });
}

export function linkUrl(world: FuzzWorld, route: string, query: LinkQuery): string {
  const params: Array<[string, string]> = [...query.tokens.map((spec): [string, string] => ['token', tokenText(world, spec)]), ...query.extra];
  const search = queryString(params, query.style);
  return search ? `${route}?${search}` : route;
}

// ---------------------------------------------------------------------------
// Form fields, as a visitor, a bot or a broken client fills them

const validEmail = fc.oneof(
  {
    arbitrary: fc.constantFrom('ada@example.com', 'ADA@Example.COM', ' grace@example.com ', 'active@example.com', 'pending@example.com', 'unsubscribed@example.com', 'bounced@example.com', 'expired@example.com'),
    weight: 2,
  },
  { arbitrary: fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/), fc.constantFrom('example.com', 'example.org', 'mail.example.net')).map(([local, domain]) => `${local}@${domain}`), weight: 2 },
  // RFC 5322 allows more than the form does; these mostly get a message, and must never get a 5xx.
  { arbitrary: fc.emailAddress(), weight: 1 },
);
export const emailValue = fc.oneof(
  { arbitrary: validEmail, weight: 6 },
  { arbitrary: fc.constantFrom('ada@example.com\r\nBcc: eve@example.com', 'ada@example.com\nX-Injected: 1', 'ada@exa\u0000mple.com', '\u202eada@example.com', 'ada@@example.com', `${'a'.repeat(65)}@example.com`, `a@${'b'.repeat(260)}.com`), weight: 2 },
  { arbitrary: marker.map((m) => `ada${m}@example.com`), weight: 2 },
  { arbitrary: anyString, weight: 2 },
);
const validTopic = fc.constantFrom('LoRA', 'test-time adaptation', '"mixture of experts" -video', 'zebrafish', 'quantization', 'İstanbul café', 'diffusion\ntransformers');
export const topicValue = fc.oneof(
  { arbitrary: validTopic, weight: 5 },
  { arbitrary: marker.map((m) => `LoRA ${m}`), weight: 3 },
  { arbitrary: marker.map((m) => `"unclosed ${m}`), weight: 1 },
  { arbitrary: marker.map((m) => `-${m}`), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      '-video',
      '"',
      '""',
      '- -',
      'x'.repeat(201),
      Array.from({ length: 26 }, (_, i) => `t${i}`).join('\n'),
      Array.from({ length: 13 }, (_, i) => `w${i}`).join(' '),
      'lora\u0000video',
      'a\u2028b',
      '\ud800lora',
      'ꭰ Ა 𞤀 𐴀',
      '(lora) OR (^video)',
      'NEAR(a b, 1)',
    ),
    weight: 2,
  },
  { arbitrary: anyString, weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), weight: 1 },
);
const frequencyValue = fc.oneof({ arbitrary: fc.constantFrom('daily', 'weekly'), weight: 6 }, { arbitrary: fc.constantFrom('monthly', 'DAILY', ' daily', ''), weight: 1 }, { arbitrary: anyString, weight: 1 });
const weekdayValue = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 6 }).map(String), weight: 6 }, { arbitrary: fc.constantFrom('7', '-1', '1.5', '', ' 1', '01', '١'), weight: 1 }, { arbitrary: anyString, weight: 1 });
const hourValue = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 23 }).map(String), weight: 6 }, { arbitrary: fc.constantFrom('24', '-1', '007', ' 8', '8\n', '٨', '1e1', '0x8', ''), weight: 1 }, { arbitrary: anyString, weight: 1 });
const timezoneValue = fc.oneof(
  { arbitrary: fc.constantFrom('UTC', 'Europe/Paris', 'Asia/Calcutta'), weight: 2 },
  { arbitrary: fc.constantFrom('+05:00', 'Mars/Olympus_Mons', 'UTC\r\nX-Injected: 1', 'EST5EDT', 'Europe/../../etc', `${'A'.repeat(70)}/B`), weight: 1 },
  { arbitrary: marker, weight: 2 },
  { arbitrary: anyString, weight: 1 },
);

const fieldNames = ['email', 'topics', 'frequency', 'weekday', 'send_hour', 'timezone', 'website'] as const;
type FieldName = (typeof fieldNames)[number];
type Fields<T> = Partial<Record<FieldName, T>>;

const validTimezone = fc.constantFrom('UTC', 'Europe/Paris', 'America/Argentina/Buenos_Aires', 'Asia/Calcutta', 'Etc/GMT+5', 'europe/paris');
const honeypot = fc.oneof({ arbitrary: fc.constant(''), weight: 5 }, { arbitrary: fc.constantFrom('https://cheap-pills.example', ' '), weight: 1 });

/**
 * A valid form with up to three fields replaced by anything their generator
 * makes, or dropped: most posts fail on one field or two, and some pass.
 */
function withChanges<T>(valid: fc.Arbitrary<Record<FieldName, T>>, pool: fc.Arbitrary<Record<FieldName, T>>): fc.Arbitrary<Fields<T>> {
  const change = fc.tuple(fc.constantFrom(...fieldNames), fc.constantFrom('replace', 'replace', 'replace', 'drop'));
  const changes = fc.oneof(
    { arbitrary: fc.constant<Array<[FieldName, string]>>([]), weight: 1 },
    { arbitrary: fc.uniqueArray(change, { minLength: 1, maxLength: 3, selector: ([name]) => name }), weight: 2 },
  );
  return fc.tuple(valid, pool, changes).map(([base, other, list]) => {
    const result: Fields<T> = { ...base };
    for (const [name, how] of list) {
      if (how === 'drop') delete result[name];
      else result[name] = other[name];
    }
    return result;
  });
}

export const fields: fc.Arbitrary<Fields<string>> = withChanges(
  fc.record({
    email: validEmail,
    topics: validTopic,
    frequency: fc.constantFrom('daily', 'weekly'),
    weekday: fc.integer({ min: 0, max: 6 }).map(String),
    send_hour: fc.integer({ min: 0, max: 23 }).map(String),
    timezone: validTimezone,
    website: fc.constant(''),
  }),
  fc.record({ email: emailValue, topics: topicValue, frequency: frequencyValue, weekday: weekdayValue, send_hour: hourValue, timezone: timezoneValue, website: honeypot }),
);

/** Keys beyond the form's: prototype pollution, the CSRF field, brackets, odd casing. */
const extraKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'isBot', 'Email', 'email[]', 'topics[0]', '_csrf', 'toString', 'hasOwnProperty', '');

/** A urlencoded body: the fields (some repeated), or bytes no form encoder would send. */
export const formBody: fc.Arbitrary<string | Buffer> = fc.oneof(
  {
    arbitrary: fc
      .record({
        fields,
        repeat: fc.oneof({ arbitrary: fc.constant<FieldName[]>([]), weight: 4 }, { arbitrary: fc.subarray([...fieldNames], { minLength: 1, maxLength: 2 }), weight: 1 }),
        extra: fc.array(fc.tuple(extraKey, anyString), { maxLength: 3 }),
        style: fc.oneof({ arbitrary: fc.constant('encoded' as const), weight: 5 }, { arbitrary: queryEncoding, weight: 1 }),
      })
      .map(({ fields: values, repeat, extra, style }) => {
        const params: Array<[string, string]> = [];
        for (const [name, value] of Object.entries(values)) {
          params.push([name, value]);
          if (repeat.includes(name as FieldName)) params.push([name, `${value}-again`]);
        }
        return queryString([...params, ...extra], style);
      }),
    weight: 30,
  },
  {
    arbitrary: fc.oneof(
      fc.constantFrom('', '=', '&&&', '%', '%zz', 'email', 'email=%E0%A4%A', 'email=a&email', '__proto__[isBot]=1', 'topics=%00', 'a=b;c=d'),
      anyString,
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    ),
    weight: 6,
  },
  { arbitrary: fc.constant(`email=ada%40example.com&topics=${'x'.repeat(70_000)}`), weight: 1 },
);

/** A JSON value for one field: the right shape, or any other. */
export const jsonField = (right: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: right, weight: 5 }, { arbitrary: wrongType, weight: 1 });

export const jsonFields: fc.Arbitrary<Fields<unknown>> = withChanges<unknown>(
  fc.record({
    email: validEmail,
    topics: fc.oneof(validTopic, fc.array(validTopic, { minLength: 1, maxLength: 3 })),
    frequency: fc.constantFrom('daily', 'weekly'),
    weekday: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }).map(String)),
    send_hour: fc.oneof(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 23 }).map(String)),
    timezone: validTimezone,
    website: fc.constant(''),
  }),
  fc.record({
    email: jsonField(emailValue),
    topics: jsonField(fc.oneof(topicValue, fc.array(topicValue, { minLength: 1, maxLength: 4 }), fc.array(fc.oneof(topicValue, wrongType), { maxLength: 3 }))),
    frequency: jsonField(frequencyValue),
    weekday: jsonField(fc.oneof(weekdayValue, fc.integer({ min: -2, max: 8 }), fc.double())),
    send_hour: jsonField(fc.oneof(hourValue, fc.integer({ min: -2, max: 25 }), fc.double())),
    timezone: jsonField(timezoneValue),
    website: jsonField(honeypot),
  }),
);

/** Raw JSON text, so keys JSON.stringify would never write (`__proto__`) and broken documents can be sent. */
export const jsonBody = fc.oneof(
  { arbitrary: jsonFields.map((value) => JSON.stringify(value)), weight: 10 },
  {
    arbitrary: fc
      .tuple(jsonFields, fc.constantFrom('"__proto__": {"isBot": true, "email": "eve@example.com"}', '"constructor": {"prototype": {"isBot": true}}', '"__proto__": null', '"email": "shadowed@example.com"'))
      .map(([value, key]) => {
        const text = JSON.stringify(value);
        return text === '{}' ? `{${key}}` : `{${key},${text.slice(1)}`;
      }),
    weight: 2,
  },
  {
    arbitrary: fc.oneof(
      fc.constantFrom('', 'null', 'true', '0', '"ada@example.com"', '[]', '[{"email": "ada@example.com"}]', '{', '{"email": ', '{"email": "a"}}', "{'email': 'a'}", '{"send_hour": NaN}', '\ufeff{"email": "a@b.co"}', '{"a": 1}garbage'),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.nat(3000).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
      fc.nat(3000).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
      anyString,
    ),
    weight: 3,
  },
  { arbitrary: fc.constant(JSON.stringify({ email: 'ada@example.com', topics: 'x'.repeat(70_000) })), weight: 1 },
);

/** Headers any request may carry. */
export const commonHeaders = fc.record({ accept: acceptHeader, cookie: cookieHeader, 'x-forwarded-for': forwardedFor });
