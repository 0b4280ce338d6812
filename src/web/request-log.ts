import type { FastifyRequest } from 'fastify';

/** `?token=1.1.abc…` → `?token=1.1.…`: the subscriber id stays for tracing, the signature never reaches a log. */
export function redactTokens(url: string): string {
  return url.replace(/([?&]token=)([^&#]*)/g, (_match, key: string, value: string) => {
    const id = /^(\d+\.\d+\.)/.exec(decodeURIComponentSafe(value))?.[1] ?? '';
    return `${key}${id}…`;
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
