import type {} from '@fastify/cookie';
import type {} from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type PageRenderer, sendPage } from '../web/page-renderer.js';
import type { Actor, AdminService } from './admin.service.js';
import { duration, describeRunCounts } from '../runs/run-view.js';

export const SESSION_COOKIE = 'paperboy_admin';

export interface AdminRouteOptions {
  admin: AdminService;
  pages: PageRenderer;
  /** Secure cookies: set when PUBLIC_URL is https. */
  secure: boolean;
  /** Login attempts per IP address per minute. */
  loginRateLimit: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the admin area's session check. */
    adminActor?: Actor;
  }
}

/** What an action's redirect says it did; a fixed text, so nothing from the URL is echoed. */
const NOTICES: Record<string, string> = {
  resent: 'The confirmation email is on its way (an address gets at most one email every two minutes).',
  held: 'Nothing was sent: this address has had as many emails as one address gets in a day. Try again tomorrow.',
  erased: 'The subscriber and everything about them is erased.',
  retried: 'The digest is back in the queue; the next digest run sends it.',
  lifted: 'The suppression is lifted: the address gets mail again.',
};

/**
 * What an admin form's CSRF token is bound to: the session, so a token from
 * one login never works in another; the login form, before any session, to
 * the login itself. Null outside `/admin`.
 */
export function adminCsrfBinding(request: FastifyRequest): string | null {
  if (request.adminActor) return `admin:${request.adminActor.session}`;
  return request.url.startsWith('/admin/') ? 'admin-login' : null;
}

const idParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const loginBody = z.object({ password: z.string().max(1024).default(''), _csrf: z.string().optional() });
const searchQuery = z.object({ q: z.string().trim().max(254).default('') });

/**
 * `/admin`: registered only when ADMIN_PASSWORD is set. Every page but the
 * login needs a session; every form carries a CSRF token; nothing is cached.
 */
export async function adminRoutes(app: FastifyInstance, { admin, pages, secure, loginRateLimit }: AdminRouteOptions): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const csrf = (reply: FastifyReply) => reply.generateCsrf({ userInfo: adminCsrfBinding(reply.request)! });
  const page = (reply: FastifyReply, name: string, props: object) => {
    const done = (reply.request.query as { done?: unknown } | undefined)?.done;
    const notice = typeof done === 'string' && Object.hasOwn(NOTICES, done) ? NOTICES[done] : null;
    return sendPage(reply, pages.render(name, { ...props, notice, csrf: csrf(reply), nav: { [name]: true } }));
  };

  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  // Every page but the login form answers only to a live session: a page load goes to the login, anything else gets 401.
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url === '/admin/login') return;
    const actor = admin.session(request.cookies[SESSION_COOKIE], request.ip);
    if (actor) {
      request.adminActor = actor;
      return;
    }
    if (request.method === 'GET') return reply.redirect('/admin/login', 303);
    return reply.code(401).type('text/html; charset=utf-8').send(
      pages.message({ title: 'Log in', heading: 'Log in first', paragraphs: ['Your admin session has ended.'], links: [{ href: '/admin/login', label: 'Log in' }] }),
    );
  });
  const actor = (request: FastifyRequest) => request.adminActor!;
  const done = (reply: FastifyReply, to: string) => reply.redirect(to, 303);

  typed.get('/admin/login', { config: { page: true } }, async (request, reply) => {
    if (admin.session(request.cookies[SESSION_COOKIE], request.ip)) return done(reply, '/admin');
    return page(reply, 'admin-login', { error: null });
  });

  // The login takes its password alone, as the form's one field: a CSRF token would guard nothing, as
  // there is one admin and a forged login would need the password. A browser's post from another site
  // is still refused, so no page elsewhere can make its visitors guess passwords from their addresses.
  typed.post(
    '/admin/login',
    {
      schema: { body: loginBody },
      config: { page: true, rateLimit: { max: loginRateLimit, timeWindow: '1 minute' } },
      preHandler: async (request, reply) => {
        const site = request.headers['sec-fetch-site'];
        if (site === 'cross-site' || site === 'same-site') {
          return page(reply.code(403), 'admin-login', { error: 'Log in from this site’s own login page.' });
        }
      },
    },
    async (request, reply) => {
      const token = await admin.login(request.body.password, request.ip);
      if (!token) return page(reply.code(401), 'admin-login', { error: 'That password is not right.' });
      reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, secure, sameSite: 'strict' });
      return done(reply, '/admin');
    },
  );

  typed.post('/admin/logout', { config: { page: true }, preHandler: app.csrfProtection }, async (request, reply) => {
    admin.logout(request.cookies[SESSION_COOKIE]!, actor(request));
    reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, secure, sameSite: 'strict' });
    return done(reply, '/admin/login');
  });

  typed.get('/admin', { config: { page: true } }, async (_request, reply) => {
    const view = admin.dashboard();
    const run = (r: NonNullable<typeof view.lastDigest>) => ({ ...r, duration: duration(r), summary: describeRunCounts(r.counts) });
    return page(reply, 'admin-dashboard', {
      ...view,
      lastDigest: view.lastDigest && run(view.lastDigest),
      lastIngests: view.lastIngests.map(run),
    });
  });

  typed.get('/admin/subscribers', { schema: { querystring: searchQuery }, config: { page: true } }, async (request, reply) => {
    const q = request.query.q;
    return page(reply, 'admin-subscribers', { q, ...(q ? admin.searchSubscribers(q) : { results: null }) });
  });

  typed.get('/admin/subscribers/:id', { schema: { params: idParams }, config: { page: true } }, async (request, reply) => {
    const view = admin.subscriber(request.params.id);
    return page(reply, 'admin-subscriber', { ...view, pending: view.subscriber.status === 'pending' });
  });

  // Each action: one POST with an id, a CSRF token and a session; it acts, then goes back to the page it came from.
  const action = (path: string, run: (id: number, by: Actor) => string) =>
    typed.post(path, { schema: { params: idParams }, config: { page: true }, preHandler: app.csrfProtection }, async (request, reply) =>
      done(reply, run(request.params.id, actor(request))),
    );

  action('/admin/subscribers/:id/resend', (id, by) => {
    return `/admin/subscribers/${id}?done=${admin.resendConfirmation(id, by) ? 'resent' : 'held'}`;
  });
  action('/admin/subscribers/:id/erase', (id, by) => {
    admin.erase(id, by);
    return '/admin/subscribers?done=erased';
  });
  action('/admin/deliveries/:id/retry', (id, by) => {
    admin.retryDelivery(id, by);
    return '/admin/deliveries?done=retried';
  });
  action('/admin/suppressions/:id/lift', (id, by) => {
    admin.liftSuppression(id, by);
    return '/admin/deliveries?done=lifted';
  });

  typed.get('/admin/deliveries', { config: { page: true } }, async (_request, reply) => page(reply, 'admin-deliveries', admin.problems()));
  typed.get('/admin/audit', { config: { page: true } }, async (_request, reply) => page(reply, 'admin-audit', { entries: admin.auditLog() }));
}
