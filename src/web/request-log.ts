import type { FastifyRequest } from 'fastify';

/**
 * `?token=1.1.abc…` → `?token=1.1.…`: the subscriber id stays for tracing, the
 * signature never reaches a log. The name is compared decoded, as the query
 * parser reads it, so `?%74oken=` is caught too.
 */
export function redactTokens(url: string): string {
  return url.replace(/([?&])([^=&#]*)=([^&#]*)/g, (match, sep: string, name: string, value: string) => {
    if (decodeURIComponentSafe(name.replace(/\+/g, ' ')).trim().toLowerCase() !== 'token') return match;
    const id = /^(\d+\.\d+\.)/.exec(decodeURIComponentSafe(value))?.[1] ?? '';
    return `${sep}${name}=${id}…`;
  });
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return '';
  }
}

/**
 * The request as logged. Fastify's default logs the whole URL, which would
 * put every emailed link's token (a key to someone's subscription) in the
 * logs.
 */
export function requestSerializer(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactTokens(request.url),
    host: request.host,
    remoteAddress: request.ip,
  };
}
