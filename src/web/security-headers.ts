import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * helmet's headers for these options. None depends on the request (no
 * nonces, no directive computed per request), so they are worked out once,
 * by running helmet's middleware against a response that only records what
 * it is given. @fastify/helmet instead builds a new helmet middleware, and
 * parses the policy again, for every request: about a twentieth of the CPU
 * of a cached page.
 */
export function helmetHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    // helmet drops X-Powered-By, which Fastify never sets.
    removeHeader() {},
  };
  let done = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  // helmet's middleware is synchronous; were it ever not, the headers above would be incomplete.
  if (!done) throw new Error('helmet did not finish synchronously; security headers cannot be precomputed');
  return Object.freeze(headers);
}

/**
 * The security headers of every answer (pages, JSON, errors and 404s): a
 * content security policy that allows only this site's own scripts and
 * forms, and helmet's other defaults. Behind https the policy also upgrades
 * insecure requests and HSTS is sent; behind plain HTTP (a local install)
 * either would break every form post. A route may still set its own
 * policy (the outbox does, for the emails it shows).
 */
export function securityHeaders(app: FastifyInstance, https: boolean): void {
  const headers = helmetHeaders({
    contentSecurityPolicy: {
      directives: {
        'img-src': ["'self'", 'data:', 'https:'],
        'upgrade-insecure-requests': https ? [] : null,
      },
    },
    strictTransportSecurity: https,
  });
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
