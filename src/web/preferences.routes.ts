import type {} from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FeedbackService } from '../feedback/feedback.service.js';
import type { DataExport } from '../retention/data-export.js';
import { describeSchedule, type Subscriber } from '../subscriptions/subscriber.js';
import type { SubscriberLinks } from '../subscriptions/subscriber-links.js';
import { fieldErrors, preferencesSchema, type FieldErrors } from '../subscriptions/subscription.schema.js';
import type { SubscriptionService } from '../subscriptions/subscription.service.js';
import { manageLinkAction } from './link-actions.js';
import { formView, valuesFromBody, valuesFromPreferences, type FormValues } from './form-view.js';
import { fieldErrorsBody, isJsonRequest } from './negotiation.js';
import { type PageRenderer, sendPage } from './page-renderer.js';
import { INVALID_LINK, LinkError, subscriberFromLink, tokenQuery } from './token-query.js';

export interface PreferencesRouteOptions {
  subscriptions: SubscriptionService;
  links: SubscriberLinks;
  pages: PageRenderer;
  feedback: FeedbackService;
  dataExport: DataExport;
}

const STATUS_TEXT: Record<Subscriber['status'], string> = {
  pending: 'Your subscription waits for you to click the link in the confirmation email.',
  active: '',
  unsubscribed: 'You are unsubscribed: no digests are sent. Saving here does not change that.',
  bounced: 'Your mail server refused our emails, so no digests are sent.',
};

export function preferencesRoutes(app: FastifyInstance, { subscriptions, links, pages, feedback, dataExport }: PreferencesRouteOptions): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const csrf = (reply: FastifyReply, token: string) => reply.generateCsrf({ userInfo: token });

  const subscriberFor = (token: string) => subscriberFromLink(subscriptions, 'manage', token);

  const form = (reply: FastifyReply, subscriber: Subscriber, token: string, values: FormValues, errors: FieldErrors | null, saved = false) => {
    const status = subscriber.status === 'active' ? `Your digest comes ${describeSchedule(subscriber)}.` : STATUS_TEXT[subscriber.status];
    return sendPage(
      reply,
      pages.render('preferences', {
        ...formView(values, errors),
        email: subscriber.email,
        statusText: status,
        token,
        csrf: csrf(reply, token),
        saved,
        resubscribe: subscriber.status === 'unsubscribed',
        feedUrl: links.feedUrl(subscriber),
        unsubscribeUrl: subscriber.status === 'active' || subscriber.status === 'pending' ? links.url('unsubscribe', subscriber) : null,
        choices: feedback.list(subscriber.id).map(({ title, choice, chosenAt }) => ({
          title,
          label: choice === 'more' ? 'More like this' : 'Less like this',
          date: chosenAt.slice(0, 10),
        })),
      }),
    );
  };

  typed.get('/preferences', { schema: { querystring: tokenQuery }, config: { page: true } }, async (request, reply) => {
    const subscriber = subscriberFor(request.query.token);
    return form(reply, subscriber, request.query.token, valuesFromPreferences(subscriber), null);
  });

  // The link is checked before the CSRF check, so a bad link says "bad link", not "form expired".
  // The subscriber it names is kept for the handler, so the token is verified once.
  const linked = new WeakMap<FastifyRequest, Subscriber>();
  const checkToken = async (request: FastifyRequest) => {
    linked.set(request, subscriberFor((request.query as { token: string }).token));
  };

  typed.post(
    '/preferences',
    { schema: { querystring: tokenQuery }, config: { page: true }, preHandler: [checkToken, app.csrfProtection] },
    async (request, reply) => {
      const subscriber = linked.get(request)!;
      const parsed = preferencesSchema.safeParse(request.body ?? {});
      if (!parsed.success) {
        const errors = fieldErrors(parsed.error);
        if (isJsonRequest(request)) return reply.code(400).send(fieldErrorsBody(errors));
        return form(reply.code(400), subscriber, request.query.token, valuesFromBody(request.body), errors);
      }
      const updated = subscriptions.updatePreferences(subscriber, parsed.data);
      return form(reply, updated, request.query.token, valuesFromPreferences(updated), null, true);
    },
  );

  // Two steps: the first post only asks again, so one stray click (or a tool that submits forms) erases nothing.
  typed.post(
    '/preferences/delete',
    { schema: { querystring: tokenQuery }, config: { page: true }, preHandler: [checkToken, app.csrfProtection] },
    async (request, reply) => {
      const subscriber = linked.get(request)!;
      const { token } = request.query;
      if ((request.body as Record<string, unknown> | null)?.confirm !== 'delete') {
        return sendPage(
          reply,
          pages.message({
            title: 'Delete your data?',
            heading: 'Delete your data?',
            paragraphs: [`This erases ${subscriber.email}, its topics, the papers it marked and the record of every digest sent to it. It cannot be undone.`],
            actions: [
              {
                action: `/preferences/delete?token=${encodeURIComponent(token)}`,
                label: 'Yes, delete my data',
                primary: true,
                fields: [
                  { name: '_csrf', value: csrf(reply, token) },
                  { name: 'confirm', value: 'delete' },
                ],
              },
            ],
            links: [{ href: `/preferences?token=${encodeURIComponent(token)}`, label: 'No, keep my subscription' }],
          }),
        );
      }
      subscriptions.erase(subscriber);
      return sendPage(
        reply,
        pages.message({
          title: 'Data deleted',
          heading: 'Your data is deleted',
          paragraphs: ['Your address, your topics and the record of your digests are erased. You will get no more email from us.'],
          links: [{ href: '/', label: 'Subscribe again' }],
        }),
      );
    },
  );

  // Download my data: what is stored about this reader, for the holder of their manage link only.
  typed.get('/preferences/data', { schema: { querystring: tokenQuery } }, async (request, reply) => {
    const subscriber = subscriberFor(request.query.token);
    return reply
      .type('application/json; charset=utf-8')
      .header('Content-Disposition', 'attachment; filename="paperboy-my-data.json"')
      .send(JSON.stringify(dataExport.export(subscriber, new Date()), null, 2));
  });

  typed.post(
    '/preferences/feedback/clear',
    { schema: { querystring: tokenQuery }, config: { page: true }, preHandler: [checkToken, app.csrfProtection] },
    async (request, reply) => {
      const subscriber = linked.get(request)!;
      const cleared = feedback.clear(subscriber.id);
      return sendPage(
        reply,
        pages.message({
          title: 'Choices cleared',
          heading: 'Your choices are cleared',
          paragraphs: [
            `${cleared === 1 ? 'One paper is' : `${cleared} papers are`} no longer marked. Your next digests rank papers by your topics, upvotes and freshness alone, until you mark papers again.`,
          ],
          links: [{ href: `/preferences?token=${encodeURIComponent(request.query.token)}`, label: 'Back to your preferences' }],
        }),
      );
    },
  );

  // From the unsubscribed page (an unsubscribe link) or the preferences page (a manage link): one button, no
  // cookie, so it works from any browser the link opens in. The answer links no higher than the link it came from.
  typed.post('/resubscribe', { schema: { querystring: tokenQuery }, config: { page: true } }, async (request, reply) => {
    const { token } = request.query;
    const manager = subscriptions.fromToken('manage', token);
    const linked = manager ?? subscriptions.currentFromToken('unsubscribe', token);
    if (!linked) throw new LinkError(INVALID_LINK);
    const subscriber = subscriptions.resubscribe(linked);
    const active = subscriber.status === 'active';
    return sendPage(
      reply,
      pages.message({
        title: active ? 'Subscribed again' : 'Check your inbox',
        heading: active ? 'Welcome back' : 'Check your inbox',
        paragraphs: [
          active
            ? `Your digest comes ${describeSchedule(subscriber)} again, on the same topics.`
            : subscriber.status === 'pending'
              ? 'We sent a confirmation email. Click its link to start your digest.'
              : 'This subscription cannot be turned back on from here. Subscribe again from the form.',
        ],
        ...(manager
          ? { links: [{ href: links.url('manage', subscriber), label: 'Change my topics or schedule' }] }
          : { actions: [manageLinkAction(token)] }),
      }),
    );
  });
}
