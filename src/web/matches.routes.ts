import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { MatchPreview } from '../ranking/match-preview.js';
import { MAX_MATCH_LIMIT } from '../ranking/paper-search.js';
import { rateLimitConfig } from './rate-limit.js';

/**
 * Preview requests per IP address per minute. The form asks once per pause
 * in typing (300 ms), so a person stays far below it.
 */
export const MATCHES_RATE_LIMIT = 60;

const limitError = `limit must be a whole number from 1 to ${MAX_MATCH_LIMIT}`;

const query = z.object({
  // One newline-separated string, or the parameter repeated once per topic.
  topics: z.union([z.string(), z.array(z.string())], { error: 'topics is required: one topic per line, such as "LoRA"' }),
  limit: z.coerce
    .number({ error: limitError })
    .int({ error: limitError })
    .min(1, { error: limitError })
    .max(MAX_MATCH_LIMIT, { error: limitError })
    .default(10),
});

/** The papers some topics match, best first; the subscribe form previews them as a visitor types. */
export function matchesRoutes(app: FastifyInstance, preview: MatchPreview, rateLimit: number = MATCHES_RATE_LIMIT): void {
  app
    .withTypeProvider<ZodTypeProvider>()
    .get('/api/matches', { schema: { querystring: query }, config: { ...rateLimitConfig(rateLimit) } }, async (request) => {
      return preview.preview(request.query.topics, request.query.limit);
    });
}
