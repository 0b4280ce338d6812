import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DigestFeed } from '../digest/digest-feed.js';
import type { SubscriptionService } from '../subscriptions/subscription.service.js';
import { LinkError } from './token-query.js';
import { rateLimitConfig } from './rate-limit.js';

const NOT_FOUND = 'There is no feed at this address. Copy the feed link from your preferences page or a digest email again.';

/**
 * Per address and minute. A feed reader polls a feed a few times an hour,
 * but a hosted reader fetches every one of its users' feeds from one
 * address, so the limit leaves room for many feeds behind one address while
 * still stopping anyone from guessing tokens at speed.
 */
const FEED_RATE_LIMIT = 120;

export interface FeedRouteOptions {
  subscriptions: SubscriptionService;
  feeds: DigestFeed;
}

/** Whether the reader's copy is still current (RFC 9110 §13.2.2: If-None-Match first; If-Modified-Since only without it). */
function notModified(headers: { 'if-none-match'?: string; 'if-modified-since'?: string }, etag: string, lastModified: Date): boolean {
  const match = headers['if-none-match'];
  if (match !== undefined) return match.split(',').some((tag) => [etag, '*'].includes(tag.trim().replace(/^W\//, '')));
  const since = Date.parse(headers['if-modified-since'] ?? '');
  // HTTP dates have whole seconds.
  return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}

/**
 * `GET /feeds/<token>.atom`: a subscriber's private Atom feed. Only a
 * feed-purpose token opens it; any other token, a revoked one and an unknown
 * one all get the same 404, so the address reveals nothing about other links.
 */
export function feedsRoutes(app: FastifyInstance, { subscriptions, feeds }: FeedRouteOptions): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/feeds/:file',
    {
      // Shape is checked in the handler, not the schema, so a malformed address gets the same 404 as a wrong token.
      schema: { params: z.object({ file: z.string() }) },
      config: { ...rateLimitConfig(FEED_RATE_LIMIT) },
    },
    async (request, reply) => {
      // The token is in the path, so the app's no-store for `?token=` links does not apply. The feed is private
      // (no proxy or shared cache may keep it) but holds no address and grants nothing beyond reading it, so the
      // reader's own cache may keep a copy as long as it asks every time: that is what makes a 304 possible.
      // Set first, so a 404 for a token address is kept out of shared caches as well.
      reply.header('Cache-Control', 'private, no-cache').header('Referrer-Policy', 'no-referrer').header('X-Robots-Tag', 'noindex, nofollow');
      const { file } = request.params;
      const subscriber = file.endsWith('.atom') && file.length <= 200 ? subscriptions.fromToken('feed', file.slice(0, -'.atom'.length)) : null;
      if (!subscriber) throw new LinkError(NOT_FOUND, 404);
      const { xml, etag, lastModified } = feeds.document(subscriber);
      reply.header('ETag', etag).header('Last-Modified', lastModified.toUTCString());
      if (notModified(request.headers, etag, lastModified)) return reply.code(304).send();
      return reply.type('application/atom+xml; charset=utf-8').send(xml);
    },
  );
}
