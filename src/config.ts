import { createPrivateKey } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { validate as isCronExpression } from 'node-cron';
import { z } from 'zod';
import { UserError } from './errors.js';

/**
 * Every setting paperboy reads, parsed once at start-up. Nothing else in the
 * program reads `process.env`: settings are passed in from here.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Header-bound values must never carry a line break (CR, LF, or Unicode's NEL and separators), or they could inject headers. */
const noLineBreaks = (value: string) => !/[\r\n\u0085\u2028\u2029]/.test(value);

const httpUrl = (what: string) =>
  z
    .url({ protocol: /^https?$/, error: `${what} must be an http:// or https:// URL` })
    .transform((value) => value.replace(/\/+$/, ''));

/**
 * The most papers one digest email may show. A test renders this many cards
 * of the longest real abstracts and checks the HTML stays under Gmail's
 * 102 KB, past which Gmail clips the email and hides its footer.
 */
export const DIGEST_MAX_PAPERS_LIMIT = 50;

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { error: `must be a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.number().int().min(min, { error: `must be from ${min} to ${max}` }).max(max, { error: `must be from ${min} to ${max}` }));

/** A node-cron expression, or `off` to turn the job off. */
const schedule = (example: string) =>
  z
    .string()
    .refine((value) => value === 'off' || isCronExpression(value), {
      error: `must be a cron expression such as "${example}", or off`,
    })
    .transform((value) => (value === 'off' ? null : value));

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64, as `paperboy hash-password` writes it. */
const SCRYPT_HASH = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/;

const ARXIV_CATEGORY = /^[a-z-]+(\.[A-Za-z-]+)?$/;
const DOMAIN = /^[a-z0-9.-]+\.[a-z]{2,}$/i;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/**
 * The address every emailed link starts with. A query or fragment would be
 * glued into the middle of each link, and credentials would be mailed to
 * every subscriber.
 */
const publicUrl = httpUrl('PUBLIC_URL').superRefine((value, ctx) => {
  const url = new URL(value);
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not hold a user name or password' });
  if (url.search || value.includes('?')) ctx.addIssue({ code: 'custom', message: 'must not have a query (?…): links are built by adding paths to it' });
  if (url.hash || value.includes('#')) ctx.addIssue({ code: 'custom', message: 'must not have a fragment (#…): links are built by adding paths to it' });
});

/** `user%40example.com` decodes; a lone `%` or `%zz` does not, and would fail at the first send. */
function decodes(part: string): boolean {
  try {
    decodeURIComponent(part);
    return true;
  } catch {
    return false;
  }
}

const TRUST_PROXY_ERROR =
  'must be false, a number of proxy hops (1 for one reverse proxy), or the proxies\' addresses or CIDR ranges, comma-separated (such as 10.0.0.0/8,::1)';

/**
 * This machine itself: `localhost`, 127.0.0.0/8 and ::1, also as IPv4-mapped
 * IPv6 (`::ffff:127.0.0.1`) on a dual-stack socket. For a socket's peer (the
 * outbox answers only this machine) and for a relay's host (which may then
 * speak plain SMTP).
 */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === 'localhost' || address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** An IP address, or one with a prefix length in range: 10.0.0.0/8, fd00::/8. */
function isAddressOrCidr(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  const family = net.isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Which hops may say who the visitor is. `true` counts as one proxy: trusting
 * every hop would let a visitor pick their own address with X-Forwarded-For,
 * and with it their own rate-limit bucket.
 */
const trustProxy = z.string().transform((value, ctx): TrustProxy => {
  const lower = value.toLowerCase();
  if (lower === 'false' || lower === '0') return false;
  if (lower === 'true') return 1;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops <= 10) return hops;
  } else {
    const list = value.split(',').map((part) => part.trim()).filter(Boolean);
    if (list.length > 0 && list.every(isAddressOrCidr)) return list;
  }
  ctx.addIssue({ code: 'custom', message: TRUST_PROXY_ERROR });
  return z.NEVER;
});

/** false: no proxy; a number: that many hops; a list: the proxies' addresses or ranges. */
export type TrustProxy = false | number | string[];

const schema = z
  .object({
    PORT: integer(0, 65535).default(3000),
    HOST: z.string().min(1).refine(noLineBreaks, { error: 'must be a host name or address' }).default('127.0.0.1'),
    // The default follows PORT (see loadConfig).
    PUBLIC_URL: publicUrl.optional(),
    DATABASE_PATH: z.string().min(1).default('data/paperboy.db'),
    SMTP_URL: z
      .url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL, such as smtp://user:pass@relay.example.com:587' })
      // Checks run on after a failed one, so each stands aside when the URL does not parse (the error above says why).
      .refine((value) => !URL.canParse(value) || new URL(value).hostname !== '', {
        error: "must name the relay's host, such as smtp://relay.example.com:587",
      })
      .refine((value) => {
        const url = URL.canParse(value) ? new URL(value) : null;
        return url === null || (decodes(url.username) && decodes(url.password));
      }, { error: 'has a user name or password with broken percent-encoding: write a literal % as %25, @ as %40 and : as %3A' })
      .optional(),
    MAIL_FROM: z
      .string()
      .refine(noLineBreaks, { error: 'must be one line' })
      .refine((value) => /^[^<>@\s]+@[^<>@\s]+$|<[^<>@\s]+@[^<>@\s]+>$/.test(value), {
        error: 'must be an address such as paperboy@example.com or "Paperboy <paperboy@example.com>"',
      })
      .default('Paperboy <paperboy@localhost>'),
    SECRET_KEY: z.string().min(32, { error: 'must be at least 32 characters; generate one with `openssl rand -hex 32`' }).optional(),
    DIGEST_MAX_PAPERS: integer(1, DIGEST_MAX_PAPERS_LIMIT).default(10),
    DIGEST_SCHEDULE: schedule('*/5 * * * *').default('*/5 * * * *'),
    SMTP_POOL_SIZE: integer(1, 50).default(5),
    HF_BASE_URL: httpUrl('HF_BASE_URL').default('https://huggingface.co'),
    ARXIV_BASE_URL: httpUrl('ARXIV_BASE_URL').default('https://export.arxiv.org'),
    DKIM_DOMAIN: z
      .string()
      .regex(DOMAIN, { error: 'must be a domain name such as example.com' })
      .optional(),
    DKIM_SELECTOR: z.string().regex(/^[a-z0-9._-]+$/i, { error: 'must be a DNS label such as mail2026' }).optional(),
    // Environment files often hold a PEM key on one line with literal "\n".
    DKIM_PRIVATE_KEY: z
      .string()
      .transform((value) => value.replace(/\\n/g, '\n'))
      .refine((value) => /-----BEGIN (RSA )?PRIVATE KEY-----/.test(value), { error: 'must be a PEM private key' })
      // A key that does not parse would not stop sending: mail would go out unsigned, without a word.
      .refine(isRsaPrivateKey, { error: 'must be an RSA private key of at least 1024 bits (2048 is usual) that parses (the PEM text looks damaged, or the key is of another type or too short)' })
      .optional(),
    ARXIV_CATEGORIES: z
      .string()
      .transform((value) => [...new Set(value.split(',').map((part) => part.trim()).filter(Boolean))])
      .refine((list) => list.length > 0 && list.every((category) => ARXIV_CATEGORY.test(category)), {
        error: 'must be a comma-separated list of arXiv categories such as cs.LG,cs.CL',
      })
      .default(['cs.LG', 'cs.CL', 'cs.CV', 'cs.AI']),
    INGEST_HF_SCHEDULE: schedule('7 * * * *').default('7 * * * *'),
    INGEST_ARXIV_SCHEDULE: schedule('30 4 * * *').default('30 4 * * *'),
    SOURCE_TIMEOUT_SECONDS: integer(1, 600).default(30),
    SUBSCRIBE_RATE_LIMIT: integer(0, 100_000).default(10),
    TRUST_PROXY: trustProxy.default(false),
    NODE_ENV: z.string().default('development'),
    SMTP_RATE_LIMIT: integer(0, 100_000).default(0),
    SMTP_DAILY_QUOTA: integer(0, 100_000_000).default(0),
    MAIL_POSTAL_ADDRESS: z
      .string()
      .max(300, { error: 'must be at most 300 characters' })
      .refine(noLineBreaks, { error: 'must be one line, such as "Paperboy, 1 Main St, Springfield, USA"' })
      .optional(),
    BOUNCE_DOMAIN: z
      .string()
      .regex(DOMAIN, { error: 'must be a domain name such as bounces.example.com' })
      .optional(),
    UNSUBSCRIBE_MAILBOX: z
      .string()
      .regex(/^[^\s<>@",;:()\\[\]?&%#]+@[a-z0-9.-]+\.[a-z]{2,}$/i, { error: 'must be a bare address such as unsubscribe@example.com' })
      .optional(),
    POSTMARK_WEBHOOK_USER: z.string().regex(/^[^:\s]{1,100}$/, { error: 'must be one word of up to 100 characters, without ":"' }).optional(),
    POSTMARK_WEBHOOK_PASSWORD: z.string().min(16, { error: 'must be at least 16 characters; generate one with `openssl rand -hex 16`' }).optional(),
    SES_TOPIC_ARNS: z
      .string()
      .transform((value) => [...new Set(value.split(',').map((part) => part.trim()).filter(Boolean))])
      .refine((list) => list.length > 0 && list.every((arn) => SNS_TOPIC_ARN.test(arn)), {
        error: 'must be a comma-separated list of SNS topic ARNs such as arn:aws:sns:eu-west-1:123456789012:ses-feedback',
      })
      .optional(),
    // A password (12 characters or more) or its scrypt hash from `paperboy hash-password`.
    ADMIN_PASSWORD: z
      .string()
      .refine((value) => (value.startsWith('scrypt$') ? SCRYPT_HASH.test(value) : value.length >= 12), {
        error: 'must be at least 12 characters, or a hash from `paperboy hash-password`',
      })
      .optional(),
    METRICS_TOKEN: z.string().min(16, { error: 'must be at least 16 characters; generate one with `openssl rand -hex 32`' }).optional(),
    ADMIN_LOGIN_RATE_LIMIT: integer(1, 1000).default(5),
    RETENTION_DAYS: integer(1, 36_500).default(180),
    PRUNE_SCHEDULE: schedule('23 3 * * *').default('23 3 * * *'),
    LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  })
  .superRefine((env, ctx) => {
    const dkim = { DKIM_DOMAIN: env.DKIM_DOMAIN, DKIM_SELECTOR: env.DKIM_SELECTOR, DKIM_PRIVATE_KEY: env.DKIM_PRIVATE_KEY };
    const given = Object.entries(dkim).filter(([, value]) => value !== undefined);
    if (given.length > 0 && given.length < 3) {
      for (const [name, value] of Object.entries(dkim)) {
        if (value === undefined) {
          ctx.addIssue({ code: 'custom', path: [name], message: 'must be set too: DKIM needs DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY together' });
        }
      }
    }
    const postmark = [env.POSTMARK_WEBHOOK_USER, env.POSTMARK_WEBHOOK_PASSWORD];
    if (postmark.filter(Boolean).length === 1) {
      const missing = env.POSTMARK_WEBHOOK_USER ? 'POSTMARK_WEBHOOK_PASSWORD' : 'POSTMARK_WEBHOOK_USER';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'must be set too: the Postmark webhook needs a user and a password' });
    }
  });

export type Env = Record<string, string | undefined>;

/** Never echoed in an error: they are keys, or hold a password. */
/**
 * DKIM signs with rsa-sha256 (nodemailer's signer): the key must parse, be
 * RSA, and have at least 1,024 bits, below which verifiers ignore the
 * signature (RFC 8301).
 */
function isRsaPrivateKey(pem: string): boolean {
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 1024;
  } catch {
    return false;
  }
}

const SECRET_SETTINGS = new Set(['SECRET_KEY', 'DKIM_PRIVATE_KEY', 'SMTP_URL', 'POSTMARK_WEBHOOK_PASSWORD', 'ADMIN_PASSWORD', 'METRICS_TOKEN']);

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  databasePath: string;
  /** The folder that holds the database; dev secrets and the outbox live beside it. */
  dataDir: string;
  smtpUrl: string | null;
  mailFrom: string;
  secretKey: string | null;
  digestMaxPapers: number;
  /** Cron expression (UTC) for the digest tick; null when digests are only sent by `paperboy digest`. */
  digestSchedule: string | null;
  /** Parallel SMTP connections, and so digests in flight at once. */
  smtpPoolSize: number;
  hfBaseUrl: string;
  arxivBaseUrl: string;
  dkim: { domain: string; selector: string; privateKey: string } | null;
  /** arXiv categories the arxiv source asks for. */
  arxivCategories: string[];
  /** Cron expressions (UTC) for the ingest jobs; null when a job is off. */
  ingestSchedule: { hf: string | null; arxiv: string | null };
  /** How long one request to a paper source may take. */
  sourceTimeoutMs: number;
  /** Subscribe attempts per IP address per minute; 0 turns the limit off. */
  subscribeRateLimit: number;
  /** Which proxies' X-Forwarded-For to believe, so rate limits see the visitor's address. */
  trustProxy: TrustProxy;
  /**
   * `NODE_ENV=production`: a real deployment, where nothing that lists
   * addresses or links may be served, so the outbox is not an option.
   */
  production: boolean;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Hand-offs to the relay per second, across every process on the database; 0 means no limit. */
  smtpRateLimit: number;
  /** Hand-offs per rolling 24 hours, across every process on the database; 0 means no quota. */
  smtpDailyQuota: number;
  /** The sender's postal address, printed in every digest footer (bulk-sender rules, CAN-SPAM). */
  postalAddress: string | null;
  /** Domain of the VERP return path `bounces+<signed id>@domain`; null keeps MAIL_FROM's address. */
  bounceDomain: string | null;
  /** An address that takes `mailto:` unsubscribe requests, offered beside the https link. */
  unsubscribeMailbox: string | null;
  /** Basic-auth credentials of the Postmark webhook; null turns the route off. */
  postmarkWebhook: { user: string; password: string } | null;
  /** SNS topics whose SES notifications are accepted; null turns the route off. */
  sesTopicArns: string[] | null;
  /** The admin password or its scrypt hash; null turns `/admin` off. */
  adminPassword: string | null;
  /** A bearer token that may read `/metrics`; null when only an admin session may. */
  metricsToken: string | null;
  /** Admin login attempts per IP address per minute. */
  adminLoginRateLimit: number;
  /** Ledger rows, run history and outbox files older than this many days are pruned. */
  retentionDays: number;
  /** Cron expression (UTC) for pruning; null when only `paperboy prune` prunes. */
  pruneSchedule: string | null;
}

/** A setting is wrong. The message is one line per bad variable, fit to print as is. */
export class ConfigError extends UserError {
  override name = 'ConfigError';
}

/**
 * Parses the environment. An empty variable counts as unset, so `SMTP_URL=`
 * in an env file means "use the outbox" rather than "invalid URL".
 */
export function loadConfig(env: Env = process.env): Config {
  const known = Object.keys(schema.shape) as Array<keyof typeof schema.shape>;
  const input: Record<string, string> = {};
  for (const name of known) {
    // Stray spaces around a value (common in env files) are not part of it.
    const value = env[name]?.trim();
    if (value) input[name] = value;
  }

  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'configuration');
      const got = input[name];
      const shown = got === undefined || SECRET_SETTINGS.has(name) ? '' : ` (got ${JSON.stringify(got)})`;
      const message = issue.message.startsWith(`${name} `) ? issue.message : `${name} ${issue.message}`;
      return `${message}${shown}`;
    });
    throw new ConfigError([...new Set(lines)].join('\n'));
  }

  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    // Links must reach this server as it is started: PORT=3202 alone means :3202 in every email.
    publicUrl: e.PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    databasePath: e.DATABASE_PATH,
    dataDir: e.DATABASE_PATH === ':memory:' ? path.resolve('data') : path.dirname(path.resolve(e.DATABASE_PATH)),
    smtpUrl: e.SMTP_URL ?? null,
    mailFrom: e.MAIL_FROM,
    secretKey: e.SECRET_KEY ?? null,
    digestMaxPapers: e.DIGEST_MAX_PAPERS,
    digestSchedule: e.DIGEST_SCHEDULE,
    smtpPoolSize: e.SMTP_POOL_SIZE,
    hfBaseUrl: e.HF_BASE_URL,
    arxivBaseUrl: e.ARXIV_BASE_URL,
    dkim:
      e.DKIM_DOMAIN && e.DKIM_SELECTOR && e.DKIM_PRIVATE_KEY
        ? { domain: e.DKIM_DOMAIN, selector: e.DKIM_SELECTOR, privateKey: e.DKIM_PRIVATE_KEY }
        : null,
    arxivCategories: e.ARXIV_CATEGORIES,
    ingestSchedule: { hf: e.INGEST_HF_SCHEDULE, arxiv: e.INGEST_ARXIV_SCHEDULE },
    sourceTimeoutMs: e.SOURCE_TIMEOUT_SECONDS * 1000,
    subscribeRateLimit: e.SUBSCRIBE_RATE_LIMIT,
    trustProxy: e.TRUST_PROXY,
    production: e.NODE_ENV === 'production',
    logLevel: e.LOG_LEVEL,
    smtpRateLimit: e.SMTP_RATE_LIMIT,
    smtpDailyQuota: e.SMTP_DAILY_QUOTA,
    postalAddress: e.MAIL_POSTAL_ADDRESS ?? null,
    bounceDomain: e.BOUNCE_DOMAIN ?? null,
    unsubscribeMailbox: e.UNSUBSCRIBE_MAILBOX ?? null,
    postmarkWebhook:
      e.POSTMARK_WEBHOOK_USER && e.POSTMARK_WEBHOOK_PASSWORD ? { user: e.POSTMARK_WEBHOOK_USER, password: e.POSTMARK_WEBHOOK_PASSWORD } : null,
    sesTopicArns: e.SES_TOPIC_ARNS ?? null,
    adminPassword: e.ADMIN_PASSWORD ?? null,
    metricsToken: e.METRICS_TOKEN ?? null,
    adminLoginRateLimit: e.ADMIN_LOGIN_RATE_LIMIT,
    retentionDays: e.RETENTION_DAYS,
    pruneSchedule: e.PRUNE_SCHEDULE,
  };
}

/**
 * What serving or sending needs on top of valid settings. Without a relay,
 * emails go to the outbox, whose viewer lists every address and every
 * confirm and unsubscribe link: a development tool, never part of a
 * deployment, where a digest "sent" to it would never reach anyone.
 */
export function requireRelayInProduction(config: Config): void {
  if (config.production && !config.smtpUrl) {
    throw new ConfigError(
      'SMTP_URL must be set when NODE_ENV=production: point it at your mail relay (such as smtp://user:pass@relay.example.com:587), or unset NODE_ENV to try paperboy with the development outbox',
    );
  }
}
