import multipart from '@fastify/multipart';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { UserError } from '../errors.js';
import type { Subscriber } from '../subscriptions/subscriber.js';
import type { SubscriptionService } from '../subscriptions/subscription.service.js';
import { manageLinkLink } from './link-actions.js';
import { type PageRenderer, sendPage } from './page-renderer.js';
import { subscriberFromLink, tokenQuery } from './token-query.js';

export interface UnsubscribeRouteOptions {
  subscriptions: SubscriptionService;
  pages: PageRenderer;
}

/**
 * GET shows one button and changes nothing, so a link scanner that follows
 * every URL in an email unsubscribes no one. POST unsubscribes at once: it is
 * the RFC 8058 one-click target, which mail clients call with the body
 * `List-Unsubscribe=One-Click` (urlencoded or multipart), no cookie, and
 * expect a 200 rather than a redirect. An unsubscribe link grants no more:
 * its pages show no manage link, only a button that emails one to the inbox.
 */
export async function unsubscribeRoutes(app: FastifyInstance, { subscriptions, pages }: UnsubscribeRouteOptions): Promise<void> {
  // Multipart is only read here, and only as a handful of small fields.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fields: 5, fieldSize: 1024, fieldNameSize: 100, files: 0, parts: 5 },
  });
  // The multipart parser reports a malformed body (no boundary, cut short) as a bare Error with no status,
  // which would be a 500. It is the sender's mistake, so it is a 400; every other error goes on to the app's handler.
  const bodyRead = new WeakSet<FastifyRequest>();
  app.addHook('preValidation', async (request) => {
    bodyRead.add(request);
  });
  app.setErrorHandler(async (error: FastifyError, request) => {
    if (request.isMultipart() && !bodyRead.has(request) && error.statusCode === undefined) {
      throw new UserError('The form body could not be read.', 400);
    }
    throw error;
  });
  const typed = app.withTypeProvider<ZodTypeProvider>();

  const subscriberFor = (token: string) => subscriberFromLink(subscriptions, 'unsubscribe', token);

  typed.get('/unsubscribe', { schema: { querystring: tokenQuery }, config: { page: true } }, async (request, reply) => {
    const subscriber = subscriberFor(request.query.token);
    const { token } = request.query;
    if (subscriber.status === 'unsubscribed' || subscriber.status === 'bounced') return sendPage(reply, unsubscribedPage(subscriber, token));
    return sendPage(reply, pages.render('unsubscribe', { email: subscriber.email, token, manageLink: manageLinkLink(token) }));
  });

  typed.post('/unsubscribe', { schema: { querystring: tokenQuery }, config: { page: true } }, async (request, reply) => {
    const subscriber = subscriptions.unsubscribe(subscriberFor(request.query.token));
    return sendPage(reply, unsubscribedPage(subscriber, request.query.token));
  });

  function unsubscribedPage(subscriber: Subscriber, token: string): string {
    return pages.message({
      title: 'Unsubscribed',
      heading: 'You are unsubscribed',
      paragraphs: [`${subscriber.email} will get no more digests. Changed your mind? One click turns them back on, with the same topics.`],
      // Only a current link can turn mail back on (see /resubscribe); an older one offers the manage link.
      actions:
        subscriber.status === 'unsubscribed' && subscriptions.currentFromToken('unsubscribe', token) !== null
          ? [{ action: `/resubscribe?token=${encodeURIComponent(token)}`, label: 'Resubscribe', primary: true }]
          : [],
      links: [manageLinkLink(token)],
    });
  }
}
