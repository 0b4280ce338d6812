import type { FastifyInstance } from 'fastify';
import { UserError } from '../errors.js';
import type { SubscriptionService } from '../subscriptions/subscription.service.js';
import { fieldErrors, subscribeSchema } from '../subscriptions/subscription.schema.js';
import { DEFAULT_VALUES, formView, valuesFromBody } from './form-view.js';
import { fieldErrorsBody, isJsonRequest } from './negotiation.js';
import { type PageRenderer, sendPage } from './page-renderer.js';
import { rateLimitConfig } from './rate-limit.js';

export interface SubscribeRouteOptions {
  subscriptions: SubscriptionService;
  pages: PageRenderer;
  /** Subscribe attempts per IP per minute; 0 for no limit. */
  rateLimit: number;
}

/** Identical for every address, whoever it belongs to; only the honeypot and errors differ. */
const ACCEPTED_MESSAGE = 'Check your inbox: if this address can subscribe, a confirmation email is on its way. Click its link to start your digest.';

export function subscribeRoutes(app: FastifyInstance, { subscriptions, pages, rateLimit }: SubscribeRouteOptions): void {
  // The same for every visitor, so it is rendered once a day (the time-zone offsets follow daylight saving).
  let blank = { day: '', html: '' };
  const blankForm = () => {
    const now = new Date();
    const day = now.toISOString().slice(0, 10);
    if (blank.day !== day) blank = { day, html: pages.render('subscribe', formView(DEFAULT_VALUES, null, now)) };
    return blank.html;
  };
  const accepted = pages.message({
    title: 'Check your inbox',
    heading: 'Check your inbox',
    paragraphs: [ACCEPTED_MESSAGE, 'No email after a few minutes? Look in your spam folder, or subscribe again.'],
    links: [{ href: '/', label: 'Back to the subscribe page' }],
  });

  app.get('/', { config: { page: true } }, async (_request, reply) => {
    return sendPage(reply, blankForm());
  });

  app.post('/subscribe', { config: { page: true, ...rateLimitConfig(rateLimit) } }, async (request, reply) => {
    if (request.body === null || typeof request.body !== 'object' || Array.isArray(request.body)) {
      throw new UserError('Send the form fields as an object: email, topics, frequency, send_hour, timezone.', 400);
    }
    const parsed = subscribeSchema.safeParse(request.body);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error);
      if (isJsonRequest(request)) {
        return reply.code(400).send(fieldErrorsBody(errors));
      }
      return sendPage(reply.code(400), pages.render('subscribe', formView(valuesFromBody(request.body), errors)));
    }
    await subscriptions.subscribe(parsed.data);
    if (isJsonRequest(request)) return reply.code(202).send({ status: 'accepted', message: ACCEPTED_MESSAGE });
    return sendPage(reply, accepted);
  });
}
