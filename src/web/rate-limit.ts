import type { FastifyRequest } from 'fastify';
import { UserError } from '../errors.js';

/**
 * A route's per-IP limit for @fastify/rate-limit (registered with
 * `global: false`, so only routes that spread this in are limited). Over it,
 * the visitor gets a 429 that says how long to wait. `max` is per minute; 0
 * turns the limit off.
 */
export function rateLimitConfig(max: number) {
  if (max === 0) return {};
  return {
    rateLimit: {
      max,
      timeWindow: '1 minute',
      errorResponseBuilder: (_request: FastifyRequest, context: { after: string }) =>
        new UserError(`Too many attempts from your address. Wait ${context.after} and try again.`, 429),
    },
  };
}
