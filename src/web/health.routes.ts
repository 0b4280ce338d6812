import type { FastifyInstance } from 'fastify';
import type { PaperRepository } from '../papers/paper.repository.js';

export interface HealthRouteOptions {
  papers: Pick<PaperRepository, 'count'>;
  /** The applied schema version; throws when the database does not answer. */
  schemaVersion: () => number;
}

/** For load balancers and the Docker HEALTHCHECK: 200 only when the database answers. */
export function healthRoutes(app: FastifyInstance, { papers, schemaVersion }: HealthRouteOptions): void {
  app.get('/healthz', async (request, reply) => {
    try {
      return { status: 'ok', schemaVersion: schemaVersion(), papers: papers.count() };
    } catch (err) {
      request.log.error({ err }, 'health check failed');
      return reply.code(503).send({ status: 'unavailable', message: 'The database is not answering.' });
    }
  });
}
