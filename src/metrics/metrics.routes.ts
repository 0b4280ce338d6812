import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Metrics, SubscribeOutcome } from './metrics.js';

export interface MetricsRouteOptions {
  metrics: Metrics;
  /** METRICS_TOKEN; null when only an admin session may scrape. */
  token: string | null;
  /** Whether the request carries a live admin session. */
  hasSession: (request: FastifyRequest) => boolean;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares hashes, so neither the token's content nor its length leaks through timing. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token));
}

function subscribeOutcome(statusCode: number): SubscribeOutcome {
  if (statusCode === 429) return 'rate_limited';
  if (statusCode >= 500) return 'error';
  return statusCode >= 400 ? 'invalid' : 'accepted';
}

/**
 * Times every request and counts subscribe outcomes. On the root instance,
 * so it sees every route. The route's pattern, not the URL, is the label: a
 * scan of random paths must not make a new series per path.
 */
export function instrumentRequests(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    if (route === '/subscribe' && request.method === 'POST') metrics.countSubscribe(subscribeOutcome(reply.statusCode));
  });
}

/**
 * `GET /metrics` in the Prometheus text format, for an admin session or a
 * bearer token. No rate limit: it answers only those two, and a scrape every
 * few seconds is its normal use.
 */
export function metricsRoutes(app: FastifyInstance, { metrics, token, hasSession }: MetricsRouteOptions): void {
  app.get('/metrics', async (request, reply) => {
    const allowed = (token !== null && bearerMatches(request.headers.authorization, token)) || hasSession(request);
    if (!allowed) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="paperboy metrics"').send({ statusCode: 401, error: 'Unauthorized', message: 'Send Authorization: Bearer <METRICS_TOKEN>, or log in at /admin.' });
    }
    const { contentType, body } = await metrics.text();
    return reply.header('cache-control', 'no-store').type(contentType).send(body);
  });
}
