import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { schemaVersion } from './db/migrate.js';
import { adminCsrfBinding, adminRoutes, SESSION_COOKIE } from './admin/admin.routes.js';
import { instrumentRequests, metricsRoutes } from './metrics/metrics.routes.js';
import type { Services } from './services.js';
import { assetsRoutes } from './web/assets.routes.js';
import { confirmRoutes } from './web/confirm.routes.js';
import { HTTP_LIMITS, type HttpLimits, limitConnections, serverOptions, trustProxyOption } from './web/connection-limits.js';
import { digestsRoutes } from './web/digests.routes.js';
import { feedbackRoutes, FEEDBACK_RATE_LIMIT } from './web/feedback.routes.js';
import { feedsRoutes } from './web/feeds.routes.js';
import { registerErrorHandler, sendError } from './web/error-handler.js';
import { healthRoutes } from './web/health.routes.js';
import { manageLinkRoutes } from './web/manage-link.routes.js';
import { matchesRoutes } from './web/matches.routes.js';
import { outboxRoutes } from './web/outbox.routes.js';
import { PageRenderer } from './web/page-renderer.js';
import { preferencesRoutes } from './web/preferences.routes.js';
import { securityHeaders } from './web/security-headers.js';
import { subscribeRoutes } from './web/subscribe.routes.js';
import { unsubscribeRoutes } from './web/unsubscribe.routes.js';
import { webhookRoutes } from './web/webhooks.routes.js';

export interface AppOptions {
  services: Services;
  /** pino logger; none by default, which suits tests. */
  logger?: FastifyBaseLogger;
  /** Timeouts and connection caps; tests shorten them. */
  limits?: Partial<HttpLimits>;
}

/** A subscription form is a few hundred bytes; nothing paperboy accepts needs more. */
export const BODY_LIMIT = 64 * 1024;

/** Builds the HTTP app. It never listens and never owns the database: `server.ts` does both. */
export function buildApp({ services, logger, limits: customLimits }: AppOptions) {
  const { config } = services;
  const https = config.publicUrl.startsWith('https:');
  const pages = new PageRenderer();
  const limits = { ...HTTP_LIMITS, ...customLimits };
  const app = Fastify({
    ...serverOptions(limits),
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    bodyLimit: BODY_LIMIT,
    requestIdHeader: false,
    trustProxy: trustProxyOption(config.trustProxy),
    // A path with broken percent-encoding gets the same kind of answer as any other bad request.
    frameworkErrors: (_error, _request, reply) => sendError(reply, pages, 400, 'This address is not valid. Check the link, or start from the subscribe page.'),
  });
  limitConnections(app.server, limits, config.trustProxy);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app, pages);
  instrumentRequests(app, services.metrics);

  securityHeaders(app, https);
  app.register(formbody, { bodyLimit: BODY_LIMIT });
  app.register(cookie);
  app.register(csrf, {
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, secure: https },
    // Binds each form to the link it was opened from, so a token from one subscriber's page never works on another's.
    getUserInfo: (request: FastifyRequest) => adminCsrfBinding(request) ?? String((request.query as { token?: unknown }).token ?? ''),
    csrfOpts: { hmacKey: services.secret.key },
  });
  app.register(rateLimit, { global: false });
  // A page reached by a link's token shows an address and opens a subscription: no browser or proxy may keep
  // a copy. Set at send time, so error pages for such links are covered too.
  app.addHook('onSend', async (request, reply) => {
    if ((request.query as { token?: unknown } | undefined)?.token !== undefined && !reply.hasHeader('Cache-Control')) {
      reply.header('Cache-Control', 'no-store');
    }
  });

  app.register(async (routes) => {
    const { subscriptions, links } = services;
    const limit = config.subscribeRateLimit;
    healthRoutes(routes, { papers: services.papers, schemaVersion: () => schemaVersion(services.db) });
    matchesRoutes(routes, services.preview);
    assetsRoutes(routes);
    subscribeRoutes(routes, { subscriptions, pages, rateLimit: limit });
    confirmRoutes(routes, { subscriptions, pages, rateLimit: limit, clock: services.clock });
    manageLinkRoutes(routes, { subscriptions, pages, rateLimit: limit });
    preferencesRoutes(routes, { subscriptions, links, pages, feedback: services.feedback, dataExport: services.dataExport });
    digestsRoutes(routes, { subscriptions, digests: services.digests });
    feedsRoutes(routes, { subscriptions, feeds: services.feeds });
    // A reader marks several papers in a row, so feedback gets more room than the form; 0 turns limits off for both.
    feedbackRoutes(routes, { subscriptions, feedback: services.feedback, pages, rateLimit: limit === 0 ? 0 : Math.max(limit, FEEDBACK_RATE_LIMIT) });
    await routes.register(unsubscribeRoutes, { subscriptions, pages });
    if (services.outbox) outboxRoutes(routes, { outbox: services.outbox, pages });
    await routes.register(webhookRoutes, {
      bounces: services.bounces,
      postmark: config.postmarkWebhook,
      ses: config.sesTopicArns ? { topicArns: config.sesTopicArns, verifier: services.snsVerifier } : null,
    });
    const { admin } = services;
    if (admin) await routes.register(adminRoutes, { admin, pages, secure: https, loginRateLimit: config.adminLoginRateLimit });
    const hasSession = (request: FastifyRequest) => admin?.session(request.cookies[SESSION_COOKIE], request.ip) != null;
    if (admin || config.metricsToken) metricsRoutes(routes, { metrics: services.metrics, token: config.metricsToken, hasSession });
  });
  return app;
}
