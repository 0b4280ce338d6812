import type { FastifyRequest } from 'fastify';

/** A token's signature wherever it sits (a path segment, any parameter), percent-encoded or not. */
const SIGNATURE = /(\d+(?:\.|%2[Ee])\d+(?:\.|%2[Ee]))(?:[A-Za-z0-9_-]|%[0-9A-Fa-f]{2}){20,}/g;

/**
 * `?token=1.1.abc…` → `?token=1.1.…`: the subscriber id stays for tracing, the
 * signature never reaches a log. The name is compared decoded, as the query
 * parser reads it, so `?%74oken=` and `?token[]=` are caught too; anything
 * else shaped like a token (the feed's path, a token pasted into another
 * parameter) loses its signature as well.
 */
export function redactTokens(url: string): string {
  return replaceParams(url, (key, value) => (key === 'token' ? `${/^(\d+\.\d+\.)/.exec(decodeURIComponentSafe(value))?.[1] ?? ''}…` : null)).replace(
    SIGNATURE,
    '$1…',
  );
}

/**
 * `/admin/subscribers?q=ada@example.com` → `?q=…`: what the admin console is
 * asked to find is an address more often than not, and it would outlive the
 * subscriber's erasure in the logs.
 */
export function redactAdminSearch(url: string): string {
  return url.startsWith('/admin') ? replaceParams(url, (key) => (key === 'q' ? '…' : null)) : url;
}

/**
 * Rewrites the values of a URL's query parameters: `replace` gets each name
 * as the query parser reads it (decoded, lower-cased, any `[…]` dropped) and
 * the raw value, and returns the value to log instead, or null to keep it.
 */
function replaceParams(url: string, replace: (key: string, value: string) => string | null): string {
  return url.replace(/([?&])([^=&#]*)=([^&#]*)/g, (match, sep: string, name: string, value: string) => {
    const key = decodeURIComponentSafe(name.replace(/\+/g, ' ')).trim().toLowerCase().replace(/\[[^\]]*\]$/, '');
    const logged = replace(key, value);
    return logged === null ? match : `${sep}${name}=${logged}`;
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
    url: redactAdminSearch(redactTokens(request.url)),
    host: request.host,
    remoteAddress: request.ip,
  };
}
