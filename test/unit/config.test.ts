import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, requireRelayInProduction } from '../../src/config.js';

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

// As environment files often hold it: on one line, with literal "\\n".
const KEY = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
const PEM = KEY.trimEnd().replace(/\n/g, '\\n');
const SHORT_RSA = generateKeyPairSync('rsa', { modulusLength: 512, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
const ED25519 = generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:3000',
      databasePath: 'data/paperboy.db',
      smtpUrl: null,
      secretKey: null,
      digestMaxPapers: 10,
      hfBaseUrl: 'https://huggingface.co',
      arxivBaseUrl: 'https://export.arxiv.org',
      dkim: null,
      logLevel: 'info',
    });
    expect(config.mailFrom).toMatch(/@/);
    expect(config.dataDir).toMatch(/data$/);
  });

  it('reads every setting of the contract', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://papers.example.com/',
      DATABASE_PATH: '/var/lib/paperboy/db.sqlite',
      SMTP_URL: 'smtp://user:pass@relay.example.com:587',
      MAIL_FROM: 'Paperboy <digest@example.com>',
      SECRET_KEY: 'x'.repeat(40),
      DIGEST_MAX_PAPERS: '25',
      HF_BASE_URL: 'http://127.0.0.1:9999',
      ARXIV_BASE_URL: 'http://127.0.0.1:9998',
      DKIM_DOMAIN: 'example.com',
      DKIM_SELECTOR: 'mail2026',
      DKIM_PRIVATE_KEY: PEM,
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      publicUrl: 'https://papers.example.com',
      databasePath: '/var/lib/paperboy/db.sqlite',
      dataDir: '/var/lib/paperboy',
      smtpUrl: 'smtp://user:pass@relay.example.com:587',
      mailFrom: 'Paperboy <digest@example.com>',
      digestMaxPapers: 25,
      hfBaseUrl: 'http://127.0.0.1:9999',
      arxivBaseUrl: 'http://127.0.0.1:9998',
    });
    // A key pasted on one line with literal \n gets its line breaks back.
    expect(config.dkim).toEqual({ domain: 'example.com', selector: 'mail2026', privateKey: PEM.replace(/\\n/g, '\n') });
  });

  it('reads the source, schedule and form settings', () => {
    expect(loadConfig({})).toMatchObject({
      arxivCategories: ['cs.LG', 'cs.CL', 'cs.CV', 'cs.AI'],
      ingestSchedule: { hf: '7 * * * *', arxiv: '30 4 * * *' },
      digestSchedule: '*/5 * * * *',
      smtpPoolSize: 5,
      sourceTimeoutMs: 30_000,
      subscribeRateLimit: 10,
      trustProxy: false,
    });
    expect(
      loadConfig({
        ARXIV_CATEGORIES: ' cs.RO , stat.ML,cs.RO ',
        INGEST_HF_SCHEDULE: 'off',
        INGEST_ARXIV_SCHEDULE: '0 6 * * 1-5',
        DIGEST_SCHEDULE: 'off',
        SMTP_POOL_SIZE: '2',
        SOURCE_TIMEOUT_SECONDS: '5',
        SUBSCRIBE_RATE_LIMIT: '0',
        TRUST_PROXY: 'true',
      }),
    ).toMatchObject({
      arxivCategories: ['cs.RO', 'stat.ML'],
      ingestSchedule: { hf: null, arxiv: '0 6 * * 1-5' },
      digestSchedule: null,
      smtpPoolSize: 2,
      sourceTimeoutMs: 5000,
      subscribeRateLimit: 0,
      trustProxy: 1,
    });
  });

  it('treats an empty variable as unset, and ignores spaces around a value', () => {
    expect(loadConfig({ SMTP_URL: '', PORT: ' ' })).toMatchObject({ smtpUrl: null, port: 3000 });
    expect(loadConfig({ PORT: ' 8080 ', DIGEST_MAX_PAPERS: '5\n' })).toMatchObject({ port: 8080, digestMaxPapers: 5 });
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT must be a whole number from 0 to 65535 \(got "abc"\)$/],
    [{ PORT: '70000' }, /^PORT must be from 0 to 65535 \(got "70000"\)$/],
    [{ PUBLIC_URL: 'localhost:3000' }, /^PUBLIC_URL must be an http:\/\/ or https:\/\/ URL/],
    [{ SMTP_URL: 'http://relay' }, /^SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/],
    [{ SMTP_URL: 'notaurl' }, /^SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL[^\n]*$/],
    [{ SMTP_URL: 'smtp://relay.example.com:99999' }, /^SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL[^\n]*$/],
    [{ SMTP_URL: 'smtp://' }, /^SMTP_URL must name the relay's host/],
    [{ MAIL_FROM: 'not an address' }, /^MAIL_FROM must be an address/],
    [{ MAIL_FROM: 'a@example.com\r\nBcc: victim@example.com' }, /^MAIL_FROM must be one line/],
    [{ MAIL_FROM: 'Paperboy\u2028X: y <digest@example.org>' }, /^MAIL_FROM must be one line/],
    [{ SECRET_KEY: 'short' }, /^SECRET_KEY must be at least 32 characters/],
    [{ DIGEST_MAX_PAPERS: '0' }, /^DIGEST_MAX_PAPERS must be from 1 to 50/],
    [{ DIGEST_MAX_PAPERS: '51' }, /^DIGEST_MAX_PAPERS must be from 1 to 50/],
    [{ DIGEST_SCHEDULE: 'every 5 minutes' }, /^DIGEST_SCHEDULE must be a cron expression such as "\*\/5 \* \* \* \*", or off/],
    [{ SMTP_POOL_SIZE: '0' }, /^SMTP_POOL_SIZE must be from 1 to 50/],
    [{ HF_BASE_URL: 'ftp://example.com' }, /^HF_BASE_URL must be an http/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of fatal, error/],
    [{ ARXIV_CATEGORIES: 'cs.LG,<script>' }, /^ARXIV_CATEGORIES must be a comma-separated list of arXiv categories/],
    [{ INGEST_HF_SCHEDULE: 'hourly' }, /^INGEST_HF_SCHEDULE must be a cron expression such as "7 \* \* \* \*", or off/],
    [{ SOURCE_TIMEOUT_SECONDS: '0' }, /^SOURCE_TIMEOUT_SECONDS must be from 1 to 600/],
    [{ SUBSCRIBE_RATE_LIMIT: '-1' }, /^SUBSCRIBE_RATE_LIMIT must be a whole number/],
    [{ TRUST_PROXY: 'yes' }, /^TRUST_PROXY must be false, a number of proxy hops \(1 for one reverse proxy\), or the proxies' addresses/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /^TRUST_PROXY must be false, a number of proxy hops/],
    [{ TRUST_PROXY: '10.0.0.1,proxy.local' }, /^TRUST_PROXY must be false, a number of proxy hops/],
    [{ PUBLIC_URL: 'https://papers.example.com/?ref=mail' }, /^PUBLIC_URL must not have a query/],
    [{ PUBLIC_URL: 'https://papers.example.com/#top' }, /^PUBLIC_URL must not have a fragment/],
    [{ PUBLIC_URL: 'https://admin:hunter2@papers.example.com' }, /^PUBLIC_URL must not hold a user name or password/],
    [{ SMTP_URL: 'smtp://user:50%off@relay.example.com:587' }, /^SMTP_URL has a user name or password with broken percent-encoding: write a literal % as %25/],
    [{ DKIM_DOMAIN: 'example.com' }, /^DKIM_SELECTOR must be set too.*\nDKIM_PRIVATE_KEY must be set too/],
    // Both would let mail go out unsigned, without a word.
    [{ DKIM_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----' }, /^DKIM_PRIVATE_KEY must be an RSA private key of at least 1024 bits/],
    [{ DKIM_PRIVATE_KEY: ED25519 }, /^DKIM_PRIVATE_KEY must be an RSA private key of at least 1024 bits/],
    // Verifiers ignore a signature made with a key under 1,024 bits (RFC 8301).
    [{ DKIM_PRIVATE_KEY: SHORT_RSA }, /^DKIM_PRIVATE_KEY must be an RSA private key of at least 1024 bits/],
  ])('stops on %j with a message naming the variable', (env, expected) => {
    expect(errorOf(env)).toMatch(expected);
  });

  it('says one line per bad variable and never echoes secrets', () => {
    const message = errorOf({ PORT: 'x', SECRET_KEY: 'hunter2' });
    expect(message.split('\n')).toHaveLength(2);
    expect(message).not.toContain('hunter2');
  });

  it('ignores variables that are not settings', () => {
    expect(() => loadConfig({ PATH: '/usr/bin', HOME: '/root' })).not.toThrow();
  });

  it('points PUBLIC_URL at the port the server listens on when only PORT is set', () => {
    expect(loadConfig({ PORT: '3202' }).publicUrl).toBe('http://localhost:3202');
    expect(loadConfig({ PORT: '3202', PUBLIC_URL: 'https://papers.example.com' }).publicUrl).toBe('https://papers.example.com');
  });

  it('never echoes an SMTP password in an error', () => {
    expect(errorOf({ SMTP_URL: 'smtp://user:hunter2%zz@relay.example.com' })).not.toContain('hunter2');
  });

  it('reads TRUST_PROXY as a hop count or a list of proxies, never as "every hop"', () => {
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: ' 10.0.0.0/8 , ::1,192.0.2.7 ' }).trustProxy).toEqual(['10.0.0.0/8', '::1', '192.0.2.7']);
    expect(loadConfig({ SMTP_URL: 'smtp://user%40example.com:p%25ss@relay.example.com' }).smtpUrl).toMatch(/^smtp:/);
  });

  it('refuses to serve in production without a relay, and says what to set', () => {
    expect(() => requireRelayInProduction(loadConfig({ NODE_ENV: 'production' }))).toThrow(/^SMTP_URL must be set when NODE_ENV=production/);
    expect(() => requireRelayInProduction(loadConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://relay.example.com' }))).not.toThrow();
    expect(() => requireRelayInProduction(loadConfig({}))).not.toThrow();
  });
});
