import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isLoopback } from '../config.js';
import { UserError } from '../errors.js';
import type { Outbox } from '../mail/outbox.js';
import { type PageRenderer, sendPage } from './page-renderer.js';

const params = z.object({ file: z.string().max(100) });

/**
 * The email HTML is shown in a sandboxed frame: no scripts, no forms, and
 * links open only on a click, in the top window.
 */
const EMAIL_CSP = [
  'sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation',
  "default-src 'none'",
  "img-src * data:",
  "style-src 'unsafe-inline'",
  "frame-ancestors 'self'",
].join('; ');

/** The text part with its web links made clickable, as pieces the template escapes. */
function linkify(text: string): Array<{ text: string; href?: string }> {
  return text.split(/(https?:\/\/[^\s<>"]+)/).map((part, i) => (i % 2 === 1 ? { text: part, href: part } : { text: part }));
}

/** "2 Dec 2026, 08:33 UTC": short enough for a phone's column; the full instant stays in `datetime`. */
function shortDate(iso: string | null): string {
  if (iso === null) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const day = at.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  return `${day}, ${iso.slice(11, 16)} UTC`;
}

/**
 * The outbox lists every address and every confirm, manage and unsubscribe
 * link, so it answers only this machine. The socket's own peer decides, never
 * X-Forwarded-For; and a request that came through a proxy is refused even
 * from 127.0.0.1, since a proxy on this machine connects from loopback on
 * behalf of anyone. The Host header must name this machine too: a web page
 * whose own domain an attacker re-points at 127.0.0.1 (DNS rebinding) runs
 * in a browser on this machine, and would otherwise read the outbox.
 */
async function loopbackOnly(request: FastifyRequest): Promise<void> {
  const proxied = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined;
  if (proxied || !isLoopback(request.raw.socket.remoteAddress) || !namesThisMachine(request.headers.host)) {
    throw new UserError('The outbox is shown only on the machine paperboy runs on: open it from there, at localhost.', 403);
  }
}

/** `localhost:3000`, `127.0.0.1`, `[::1]:3000`, `app.localhost`: a host name that can only mean this machine. */
function namesThisMachine(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return name === 'localhost' || name.endsWith('.localhost') || isLoopback(name);
}

/**
 * `/dev/outbox`: the emails the embedded outbox holds. Registered only when no
 * SMTP relay is set, which a production start refuses.
 */
export function outboxRoutes(app: FastifyInstance, { outbox, pages }: { outbox: Outbox; pages: PageRenderer }): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();

  const read = async (file: string) => {
    const message = await outbox.read(file);
    if (!message) throw new UserError(`There is no email named ${file} in the outbox.`, 404);
    return message;
  };

  typed.get('/dev/outbox', { config: { page: true }, onRequest: loopbackOnly }, async (_request, reply) => {
    const entries = (await outbox.list()).map((entry) => ({ ...entry, sent: shortDate(entry.date) }));
    return sendPage(reply, pages.render('outbox', { dir: outbox.dir, entries }));
  });

  typed.get('/dev/outbox/:file', { schema: { params }, config: { page: true }, onRequest: loopbackOnly }, async (request, reply) => {
    const message = await read(request.params.file);
    return sendPage(reply, pages.render('outbox-message', { ...message, hasHtml: message.html !== null, textParts: linkify(message.text ?? '') }));
  });

  typed.get('/dev/outbox/:file/html', { schema: { params }, config: { page: true }, onRequest: loopbackOnly }, async (request, reply) => {
    const message = await read(request.params.file);
    // <base target="_top">: a click on a link leaves the viewer, as it would leave a mail client.
    const body = (message.html ?? '').replace(/<head([^>]*)>/i, '<head$1><base target="_top">');
    return sendPage(reply.header('content-security-policy', EMAIL_CSP), body);
  });

  typed.get('/dev/outbox/:file/raw', { schema: { params }, onRequest: loopbackOnly }, async (request, reply) => {
    const message = await read(request.params.file);
    return reply.type('message/rfc822').header('content-disposition', `attachment; filename="${request.params.file}"`).send(message.raw);
  });
}
