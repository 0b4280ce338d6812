import { setTimeout as delay } from 'node:timers/promises';

/** How hard one request is retried before its source run gives up. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** The first backoff; each later one doubles, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The most one request may spend waiting between its tries, Retry-After included. */
  maxTotalWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 1_000, maxDelayMs: 30_000, maxTotalWaitMs: 120_000 };

/** Waits `ms`, or rejects with an AbortError as soon as `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, signal ? { signal } : undefined);
};

export interface RetryEvent {
  url: string;
  /** The try that failed, from 1. */
  attempt: number;
  attempts: number;
  delayMs: number;
  reason: string;
}

export interface HttpClientOptions {
  /** Per try, body included. */
  timeoutMs: number;
  retry?: Partial<RetryPolicy>;
  /** Aborts the whole request, waits included: shutdown. Never retried. */
  signal?: AbortSignal;
  fetch?: typeof globalThis.fetch;
  sleep?: Sleep;
  /** Jitter source, [0, 1). */
  random?: () => number;
  onRetry?: (event: RetryEvent) => void;
  /** A body larger than this is garbage, not a page. */
  maxBytes?: number;
}

export interface RequestOptions {
  /** Runs before every try, retries included: arXiv counts each call. */
  beforeAttempt?: (signal?: AbortSignal) => Promise<void>;
}

export interface HttpClient {
  /**
   * GETs `url` and parses its body. A parse that throws marks the response
   * as garbage, which is retried like a 503 unless it is a ResponseError
   * with `retryable: false`.
   */
  get<T>(url: string, parse: (body: string, response: Response) => T, options?: RequestOptions): Promise<T>;
}

/** A response that cannot be used: not JSON, not a feed, an error page. */
export class ResponseError extends Error {
  override name = 'ResponseError';

  constructor(
    message: string,
    readonly retryable = true,
  ) {
    super(message);
  }
}

/** A source request failed for good. The message is one line, fit for a log or a terminal. */
export class SourceError extends Error {
  override name = 'SourceError';
}

const USER_AGENT = 'paperboy/0.1 (self-hosted paper digest)';
const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

interface Failure {
  ok: false;
  reason: string;
  retryable: boolean;
  /** What the server asked for, in ms; null when it did not say. */
  retryAfterMs: number | null;
}

type Outcome<T> = { ok: true; value: T } | Failure;

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function describeNetworkError(err: unknown): string {
  const error = err as Error & { cause?: { code?: string; message?: string } };
  if (error.name === 'TimeoutError') return 'timed out';
  const cause = error.cause?.code ?? error.cause?.message;
  return cause ? `${error.message} (${cause})` : error.message;
}

async function readBody(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) throw new ResponseError(`the body is ${declared} bytes, more than the ${maxBytes} a page may have`);
  if (!response.body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await response.body.cancel().catch(() => undefined);
      throw new ResponseError(`the body is more than the ${maxBytes} bytes a page may have`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

// Server faults and throttling pass; other 4xx mean the request itself is
// wrong, and asking again would only get the same answer.
const RETRYABLE_STATUS = (status: number) => status >= 500 || status === 429 || status === 408;

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const policy = { ...DEFAULT_RETRY, ...options.retry };
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;

  async function attempt<T>(url: string, parse: (body: string, response: Response) => T): Promise<Outcome<T>> {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    let body: string;
    try {
      response = await doFetch(url, { signal, headers: { 'user-agent': USER_AGENT } });
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        const reason = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        return { ok: false, reason, retryable: RETRYABLE_STATUS(response.status), retryAfterMs };
      }
      body = await readBody(response, maxBytes);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      if (err instanceof ResponseError) return { ok: false, reason: err.message, retryable: err.retryable, retryAfterMs: null };
      // fetch rejects with a TypeError for a refused or reset connection, and
      // with a TimeoutError when our own deadline passed.
      return { ok: false, reason: describeNetworkError(err), retryable: true, retryAfterMs: null };
    }
    try {
      return { ok: true, value: parse(body, response) };
    } catch (err) {
      const retryable = !(err instanceof ResponseError) || err.retryable;
      return { ok: false, reason: (err as Error).message, retryable, retryAfterMs: null };
    }
  }

  return {
    async get(url, parse, requestOptions = {}) {
      let waited = 0;
      for (let tried = 1; ; tried += 1) {
        await requestOptions.beforeAttempt?.(options.signal);
        const outcome = await attempt(url, parse);
        if (outcome.ok) return outcome.value;
        const failed = (why: string) => new SourceError(`GET ${url}: ${outcome.reason}${why}`);
        if (!outcome.retryable) throw failed('');
        if (tried >= policy.attempts) throw failed(` (gave up after ${tried} tries)`);
        const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (tried - 1));
        // Equal jitter: at least half the backoff, so retries spread out without collapsing to zero.
        const delayMs = outcome.retryAfterMs ?? Math.round(backoff / 2 + (random() * backoff) / 2);
        if (waited + delayMs > policy.maxTotalWaitMs) {
          const asked = outcome.retryAfterMs === null ? '' : `; the server asked for ${Math.ceil(delayMs / 1000)} s`;
          throw failed(` (gave up after ${tried} tries: waiting more would pass the ${policy.maxTotalWaitMs / 1000} s limit${asked})`);
        }
        options.onRetry?.({ url, attempt: tried, attempts: policy.attempts, delayMs, reason: outcome.reason });
        await sleep(delayMs, options.signal);
        waited += delayMs;
      }
    },
  };
}
