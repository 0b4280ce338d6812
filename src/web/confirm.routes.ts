import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { describeSchedule } from '../subscriptions/subscriber.js';
import type { SubscriberLinks } from '../subscriptions/subscriber-links.js';
import { emailSchema } from '../subscriptions/subscription.schema.js';
import { CONFIRM_TTL_DAYS, type SubscriptionService } from '../subscriptions/subscription.service.js';
import { type PageRenderer, sendPage } from './page-renderer.js';
import { rateLimitConfig } from './rate-limit.js';
import { INVALID_LINK, subscriberFromLink, tokenQuery } from './token-query.js';

export interface ConfirmRouteOptions {
  subscriptions: SubscriptionService;
  links: SubscriberLinks;
  pages: PageRenderer;
  rateLimit: number;
}

const resendQuery = z.object({ token: z.string().max(200).optional() });

export function confirmRoutes(app: FastifyInstance, { subscriptions, links, pages, rateLimit }: ConfirmRouteOptions): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const newLinkForm = { action: '/confirm/resend', label: 'Email me a new link' };

  typed.get('/confirm', { schema: { querystring: tokenQuery }, config: { page: true } }, async (request, reply) => {
    const outcome = subscriptions.confirm(request.query.token);
    switch (outcome.kind) {
      case 'invalid':
        return sendPage(
          reply.code(400),
          pages.message({
            title: 'Link not valid',
            heading: 'This confirmation link does not work',
            paragraphs: [INVALID_LINK, 'Type your address below and we will send you a new link.'],
            emailForm: newLinkForm,
          }),
        );
      case 'expired':
        return sendPage(
          reply.code(410),
          pages.message({
            title: 'Link expired',
            heading: 'This confirmation link has expired',
            paragraphs: [`Confirmation links work for ${CONFIRM_TTL_DAYS} days. We can send a new one to ${outcome.subscriber.email}.`],
            actions: [{ action: `/confirm/resend?token=${encodeURIComponent(request.query.token)}`, label: 'Send me a new link', primary: true }],
          }),
        );
      case 'inactive':
        return sendPage(
          reply.code(409),
          pages.message({
            title: 'Subscription not active',
            heading: 'This subscription is not active',
            paragraphs: [`${outcome.subscriber.email} unsubscribed or stopped accepting mail, so this old link no longer turns it on. Subscribe again to start over.`],
            links: [{ href: '/', label: 'Subscribe again' }],
          }),
        );
      default: {
        const { subscriber } = outcome;
        return sendPage(
          reply,
          pages.message({
            title: 'Subscribed',
            heading: outcome.kind === 'confirmed' ? 'You are subscribed' : 'You are already subscribed',
            paragraphs: [`Your digest comes ${describeSchedule(subscriber)}, to ${subscriber.email}, when new papers match these topics:`],
            topics: subscriber.topics.map((topic) => topic.text),
            links: [
              { href: links.url('manage', subscriber), label: 'Change my topics or schedule' },
              { href: links.url('unsubscribe', subscriber), label: 'Unsubscribe' },
            ],
          }),
        );
      }
    }
  });

  // From the expired page (a genuine but old token) or the invalid page (an address). Both answer alike.
  typed.post(
    '/confirm/resend',
    { schema: { querystring: resendQuery }, config: { page: true, ...rateLimitConfig(rateLimit) } },
    async (request, reply) => {
      if (request.query.token !== undefined) {
        subscriptions.resendConfirmation(subscriberFromLink(subscriptions, 'confirm', request.query.token));
      } else {
        const email = emailSchema.safeParse((request.body as Record<string, unknown> | null)?.email);
        if (!email.success) {
          return sendPage(
            reply.code(400),
            pages.message({
              title: 'Check the address',
              heading: 'Check the address',
              paragraphs: [email.error.issues[0]?.message ?? 'Enter your email address.'],
              emailForm: newLinkForm,
            }),
          );
        }
        subscriptions.resendByEmail(email.data);
      }
      return sendPage(
        reply,
        pages.message({
          title: 'Check your inbox',
          heading: 'Check your inbox',
          paragraphs: ['If this address has a subscription waiting for confirmation, a new link is on its way.'],
          links: [{ href: '/', label: 'Back to the subscribe page' }],
        }),
      );
    },
  );
}
