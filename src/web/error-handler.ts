import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { UserError } from '../errors.js';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  field?: string;
}

function body(statusCode: number, message: string, field?: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...(field ? { field } : {}) };
}

/** "limit: Too big: expected number to be <=50" from a schema failure, naming the input. */
function validationMessage(error: FastifyError): { message: string; field?: string } {
  const first = error.validation?.[0];
  const field = first?.instancePath.replace(/^\//, '').replace(/\//g, '.') || undefined;
  const message = first?.message ?? error.message;
  return { message, field };
}

/**
 * The one error handler. A 4xx says what to fix; a 5xx hides its details
 * from the client and logs them with the request id.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof UserError) {
      return reply.code(error.statusCode).send(body(error.statusCode, error.message, error.field));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const { message, field } = validationMessage(error);
      return reply.code(400).send(body(400, message, field));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send(body(status, error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send(body(500, 'Something went wrong on our side. It has been logged; please try again later.'));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(body(404, `There is nothing at ${request.method} ${request.url.split('?')[0]}.`));
  });
}
