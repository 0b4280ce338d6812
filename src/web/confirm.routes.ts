import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { firstDigestWhen } from '../digest/first-digest.js';
import { describeSchedule } from '../subscriptions/subscriber.js';
import { CONFIRM_TTL_DAYS, type ConfirmOutcome, type SubscriptionService } from '../subscriptions/subscription.service.js';
import { manageLinkAction, postedAddress } from './link-actions.js';
import { type PageRenderer, sendMessage, sendPage } from './page-renderer.js';
import { rateLimitConfig } from './rate-limit.js';
import { INVALID_LINK, tokenQuery } from './token-query.js';

export interface ConfirmRouteOptions {
  subscriptions: SubscriptionService;
  pages: PageRenderer;
  rateLimit: number;
  clock: () => Date;
}

const resendQuery = z.object({ token: z.string().max(200).optional() });

/**
 * GET /confirm only shows what the link would confirm and one button: mail
 * security scanners open every link, and a GET that confirmed would let them
 * subscribe anyone. POST /confirm (a plain form post) confirms. Neither page
 * shows a manage or unsubscribe link: a confirmation link grants no more than
 * confirming. The subscribed page offers to email a manage link instead.
 */
export function confirmRoutes(app: FastifyInstance, { subscriptions, pages, rateLimit, clock }: ConfirmRouteOptions): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const newLinkForm = { action: '/confirm/resend', label: 'Email me a new confirmation link' };
  const resendAction = (token: string) => `/confirm/resend?token=${encodeURIComponent(token)}`;

  function answer(reply: FastifyReply, outcome: ConfirmOutcome, token: string): FastifyReply {
    switch (outcome.kind) {
      case 'invalid':
        return sendMessage(reply.code(400), pages, {
          title: 'This link does not work',
          heading: 'This confirmation link does not work',
          paragraphs: [INVALID_LINK, 'Type your address below and we will send you a new link.'],
          emailForm: newLinkForm,
        });
      case 'replaced':
        return sendMessage(reply.code(409), pages, {
          title: 'This link was replaced',
          heading: 'This link was replaced by a newer email',
          paragraphs: [
            `The subscribe form was sent again for ${outcome.subscriber.email} with other topics or another schedule, so this link no longer confirms anything. Only the link in the newest confirmation email works, and the page it opens shows what it confirms.`,
            'If you did not make that change, check the newest email before confirming it, or ignore it: nothing is sent until it is confirmed.',
          ],
          actions: [{ action: resendAction(token), label: 'Email me the newest link again', primary: true }],
        });
      case 'expired':
        return sendMessage(reply.code(410), pages, {
          title: 'This link has expired',
          heading: 'This confirmation link has expired',
          paragraphs: [`Confirmation links work for ${CONFIRM_TTL_DAYS} days. We can send a new one to ${outcome.subscriber.email}.`],
          actions: [{ action: resendAction(token), label: 'Send me a new link', primary: true }],
        });
      case 'inactive':
        return sendMessage(reply.code(409), pages, {
          title: 'This subscription is not active',
          heading: 'This subscription is not active',
          paragraphs: [`${outcome.subscriber.email} unsubscribed or stopped accepting mail, so this old link no longer turns it on. Subscribe again to start over.`],
          links: [{ href: '/', label: 'Subscribe again' }],
        });
      case 'ready': {
        const { subscriber } = outcome;
        return sendPage(
          reply,
          pages.message({
            title: 'Confirm your subscription',
            heading: 'Confirm your subscription',
            paragraphs: [`One click starts the digest for ${subscriber.email}, ${describeSchedule(subscriber)}, when new papers match these topics:`],
            topics: subscriber.topics.map((topic) => topic.text),
            actions: [{ action: `/confirm?token=${encodeURIComponent(token)}`, label: 'Confirm my subscription', primary: true }],
          }),
        );
      }
      default: {
        const { subscriber } = outcome;
        return sendPage(
          reply,
          pages.message({
            title: 'Subscribed',
            heading: outcome.kind === 'confirmed' ? 'You are subscribed' : 'You are already subscribed',
            paragraphs: [
              ...(outcome.kind === 'confirmed'
                ? [
                    `Your first digest arrives ${firstDigestWhen(subscriber, clock())}, with the papers of the past week that match your topics. If none match, no email is sent and we look again next time.`,
                  ]
                : []),
              `Your digest comes ${describeSchedule(subscriber)}, to ${subscriber.email}, when new papers match these topics:`,
            ],
            topics: subscriber.topics.map((topic) => topic.text),
            notes: ['Every digest carries links to change your topics or unsubscribe. Need one now? We can email it to you.'],
            actions: [manageLinkAction(token)],
          }),
        );
      }
    }
  }

  typed.get('/confirm', { schema: { querystring: tokenQuery }, config: { page: true } }, async (request, reply) => {
    return answer(reply, subscriptions.checkConfirm(request.query.token), request.query.token);
  });

  // No rate limit: only the holder of a genuine link changes anything, and repeating it is harmless.
  typed.post('/confirm', { schema: { querystring: tokenQuery }, config: { page: true } }, async (request, reply) => {
    return answer(reply, subscriptions.confirm(request.query.token), request.query.token);
  });

  // From the expired or replaced page (a genuine but old token) or the invalid page (an address). Both answer alike.
  typed.post(
    '/confirm/resend',
    { schema: { querystring: resendQuery }, config: { page: true, ...rateLimitConfig(rateLimit) } },
    async (request, reply) => {
      if (request.query.token !== undefined) {
        const link = subscriptions.checkLink('confirm', request.query.token);
        if (link.kind === 'invalid') return answer(reply, link, request.query.token);
        subscriptions.resendConfirmation(link.subscriber);
      } else {
        const email = postedAddress(request.body, reply, pages, newLinkForm);
        if (email === null) return reply;
        subscriptions.resendByEmail(email);
      }
      return sendPage(
        reply,
        pages.message({
          title: 'Check your inbox',
          heading: 'Check your inbox',
          paragraphs: [
            'If this address has a subscription waiting for confirmation, a new link is on its way.',
            'We email an address at most once every two minutes, so it may take that long to arrive.',
          ],
          links: [{ href: '/', label: 'Back to the subscribe page' }],
        }),
      );
    },
  );
}
