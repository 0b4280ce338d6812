import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/connection.js';
import { schemaVersion } from '../db/migrate.js';

/** For load balancers and the Docker HEALTHCHECK: 200 only when the database answers. */
export function healthRoutes(app: FastifyInstance, db: Db): void {
  app.get('/healthz', async (request, reply) => {
    try {
      const papers = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM papers').get()?.n ?? 0;
      return { status: 'ok', schemaVersion: schemaVersion(db), papers };
    } catch (err) {
      request.log.error({ err }, 'health check failed');
      return reply.code(503).send({ status: 'unavailable', message: 'The database is not answering.' });
    }
  });
}
