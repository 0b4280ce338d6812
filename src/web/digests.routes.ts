import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DigestService } from '../digest/digest.service.js';
import type { SubscriptionService } from '../subscriptions/subscription.service.js';
import { sendPage } from './page-renderer.js';
import { LinkError, subscriberFromLink, tokenQuery } from './token-query.js';

const NOT_FOUND = 'There is no such digest for this link. Open "View in your browser" from the digest email again.';

export interface DigestRouteOptions {
  subscriptions: SubscriptionService;
  digests: DigestService;
}

/**
 * "View in your browser": a digest as its email showed it, with every paper
 * it kept. The token names a subscriber; a digest that is not theirs is a
 * 404, exactly like one that does not exist, so ids cannot be probed.
 */
export function digestsRoutes(app: FastifyInstance, { subscriptions, digests }: DigestRouteOptions): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/digests/:id',
    {
      schema: {
        params: z.object({ id: z.string().regex(/^[1-9]\d{0,15}$/, { error: NOT_FOUND }).transform(Number) }),
        querystring: tokenQuery,
      },
      config: { page: true },
    },
    async (request, reply) => {
      const subscriber = subscriberFromLink(subscriptions, 'view', request.query.token);
      const digest = digests.view(subscriber, request.params.id);
      if (!digest) throw new LinkError(NOT_FOUND, 404);
      // The email's own HTML: self-contained, styled inline, nothing loaded from elsewhere.
      return sendPage(reply.header('Cache-Control', 'private, no-store').header('Referrer-Policy', 'no-referrer'), digest.html);
    },
  );
}
