import path from 'node:path';
import { validate as isCronExpression } from 'node-cron';
import { z } from 'zod';

/**
 * Every setting paperboy reads, parsed once at start-up. Nothing else in the
 * program reads `process.env`: settings are passed in from here.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Header-bound values must never carry CR/LF, or they could inject headers. */
const noLineBreaks = (value: string) => !/[\r\n]/.test(value);

const httpUrl = (what: string) =>
  z
    .url({ protocol: /^https?$/, error: `${what} must be an http:// or https:// URL` })
    .transform((value) => value.replace(/\/+$/, ''));

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

const schema = z
  .object({
    PORT: integer(0, 65535).default(3000),
    HOST: z.string().min(1).refine(noLineBreaks, { error: 'must be a host name or address' }).default('127.0.0.1'),
    PUBLIC_URL: httpUrl('PUBLIC_URL').default('http://localhost:3000'),
    DATABASE_PATH: z.string().min(1).default('data/paperboy.db'),
    SMTP_URL: z
      .url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL, such as smtp://user:pass@relay.example.com:587' })
      .optional(),
    MAIL_FROM: z
      .string()
      .refine(noLineBreaks, { error: 'must be one line' })
      .refine((value) => /^[^<>@\s]+@[^<>@\s]+$|<[^<>@\s]+@[^<>@\s]+>$/.test(value), {
        error: 'must be an address such as paperboy@example.com or "Paperboy <paperboy@example.com>"',
      })
      .default('Paperboy <paperboy@localhost>'),
    SECRET_KEY: z.string().min(32, { error: 'must be at least 32 characters; generate one with `openssl rand -hex 32`' }).optional(),
    DIGEST_MAX_PAPERS: integer(1, 50).default(10),
    DIGEST_SCHEDULE: schedule('*/5 * * * *').default('*/5 * * * *'),
    SMTP_POOL_SIZE: integer(1, 50).default(5),
    HF_BASE_URL: httpUrl('HF_BASE_URL').default('https://huggingface.co'),
    ARXIV_BASE_URL: httpUrl('ARXIV_BASE_URL').default('https://export.arxiv.org'),
    DKIM_DOMAIN: z
      .string()
      .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, { error: 'must be a domain name such as example.com' })
      .optional(),
    DKIM_SELECTOR: z.string().regex(/^[a-z0-9._-]+$/i, { error: 'must be a DNS label such as mail2026' }).optional(),
    // Environment files often hold a PEM key on one line with literal "\n".
    DKIM_PRIVATE_KEY: z
      .string()
      .transform((value) => value.replace(/\\n/g, '\n'))
      .refine((value) => /-----BEGIN (RSA )?PRIVATE KEY-----/.test(value), { error: 'must be a PEM private key' })
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
    TRUST_PROXY: z.enum(['true', 'false'], { error: 'must be true or false' }).transform((value) => value === 'true').default(false),
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
  });

export type Env = Record<string, string | undefined>;

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
  /** Trust X-Forwarded-For from a reverse proxy, so rate limits see the visitor's address. */
  trustProxy: boolean;
  logLevel: (typeof LOG_LEVELS)[number];
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
export class ConfigError extends Error {
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
      const shown = got === undefined || ['SECRET_KEY', 'DKIM_PRIVATE_KEY', 'ADMIN_PASSWORD', 'METRICS_TOKEN'].includes(name) ? '' : ` (got ${JSON.stringify(got)})`;
      const message = issue.message.startsWith(`${name} `) ? issue.message : `${name} ${issue.message}`;
      return `${message}${shown}`;
    });
    throw new ConfigError([...new Set(lines)].join('\n'));
  }

  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL,
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
    logLevel: e.LOG_LEVEL,
    adminPassword: e.ADMIN_PASSWORD ?? null,
    metricsToken: e.METRICS_TOKEN ?? null,
    adminLoginRateLimit: e.ADMIN_LOGIN_RATE_LIMIT,
    retentionDays: e.RETENTION_DAYS,
    pruneSchedule: e.PRUNE_SCHEDULE,
  };
}
