import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SubscriptionService } from '../subscriptions/subscription.service.js';
import type { TokenPurpose } from '../subscriptions/tokens.js';
import { manageLinkAction, postedAddress } from './link-actions.js';
import { type PageRenderer, sendPage } from './page-renderer.js';
import { rateLimitConfig } from './rate-limit.js';

export interface ManageLinkRouteOptions {
  subscriptions: SubscriptionService;
  pages: PageRenderer;
  rateLimit: number;
}

/** The links whose pages offer this button: each grants less than managing, so the page shows no manage link itself. */
const LESSER_LINKS: readonly TokenPurpose[] = ['confirm', 'unsubscribe'];

const query = z.object({ token: z.string().max(200).optional() });

/**
 * Emails a manage link to the address of the subscription a confirm or
 * unsubscribe link names, or, without a token, to the address typed on a
 * broken link's page. The link goes to the inbox, never onto the page, so a
 * forwarded or scanned link gains nothing. The answer is the same for every
 * token and every address, and the route is rate limited like the other
 * form posts.
 */
export function manageLinkRoutes(app: FastifyInstance, { subscriptions, pages, rateLimit }: ManageLinkRouteOptions): void {
  const sent = pages.message({
    title: 'Check your inbox',
    heading: 'Check your inbox',
    paragraphs: [
      'If this link belongs to a subscription, we have emailed its address a link to change the topics, the schedule, unsubscribe or delete the data.',
      'We email an address at most once every two minutes, so it may take that long to arrive.',
    ],
    links: [{ href: '/', label: 'Back to the subscribe page' }],
  });

  const sentToAddress = pages.message({
    title: 'Check your inbox',
    heading: 'Check your inbox',
    paragraphs: [
      'If this address has a subscription, we have emailed it a fresh link to change the topics, the schedule, unsubscribe or delete the data.',
      'We email an address at most once every two minutes, so it may take that long to arrive.',
    ],
    links: [{ href: '/', label: 'Back to the subscribe page' }],
  });

  // Where a lesser link's page points for "change my settings instead", so that page keeps its one
  // button. It shows a button and changes nothing, like the page it came from; the POST is rate limited.
  app.withTypeProvider<ZodTypeProvider>().get('/manage-link', { schema: { querystring: query }, config: { page: true } }, async (request, reply) => {
    const { token } = request.query;
    const page =
      token === undefined
        ? pages.message({
            title: 'Get a link to your settings',
            heading: 'Get a link to your settings',
            paragraphs: ['Type the address you subscribed with, and we will email it a fresh link to change the topics, the schedule, unsubscribe or delete the data.'],
            emailForm: { action: '/manage-link', label: 'Email me a fresh link' },
          })
        : pages.message({
            title: 'Get a link to your settings',
            heading: 'Get a link to your settings',
            paragraphs: [
              'We will email the address of this subscription a link to change the topics, the schedule, unsubscribe or delete the data.',
              'The link goes to that inbox, never onto a page, so a forwarded email cannot open anyone’s settings.',
            ],
            actions: [{ ...manageLinkAction(token), primary: true }],
          });
    return sendPage(reply, page);
  });

  app.withTypeProvider<ZodTypeProvider>().post(
    '/manage-link',
    { schema: { querystring: query }, config: { page: true, ...rateLimitConfig(rateLimit) } },
    async (request, reply) => {
      const { token } = request.query;
      if (token === undefined) {
        const email = postedAddress(request.body, reply, pages, { action: '/manage-link', label: 'Email me a fresh link' });
        if (email === null) return reply;
        subscriptions.sendManageLinkByEmail(email);
        return sendPage(reply, sentToAddress);
      }
      for (const purpose of LESSER_LINKS) {
        const subscriber = subscriptions.fromToken(purpose, token);
        if (subscriber) {
          subscriptions.sendManageLink(subscriber);
          break;
        }
      }
      return sendPage(reply, sent);
    },
  );
}
