import Fastify, { type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Services } from './services.js';
import { registerErrorHandler } from './web/error-handler.js';
import { healthRoutes } from './web/health.routes.js';
import { matchesRoutes } from './web/matches.routes.js';

export interface AppOptions {
  services: Services;
  /** pino logger; none by default, which suits tests. */
  logger?: FastifyBaseLogger;
}

/** Builds the HTTP app. It never listens and never owns the database: `server.ts` does both. */
export function buildApp({ services, logger }: AppOptions) {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // A subscription form is a few hundred bytes; nothing paperboy accepts needs more.
    bodyLimit: 64 * 1024,
    requestIdHeader: false,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);

  healthRoutes(app, services.db);
  matchesRoutes(app, services.search);
  return app;
}
