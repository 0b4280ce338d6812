import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_MATCH_LIMIT, type PaperSearch } from '../ranking/paper-search.js';

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
export function matchesRoutes(app: FastifyInstance, search: PaperSearch): void {
  app.withTypeProvider<ZodTypeProvider>().get('/api/matches', { schema: { querystring: query } }, async (request) => {
    return search.search(request.query.topics, { limit: request.query.limit });
  });
}
