import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { UserError } from '../errors.js';
import type { PageRenderer } from './page-renderer.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route serves pages: its errors are pages too, unless the request was JSON. */
    page?: boolean;
  }
}

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

/** Messages a person can act on, for the framework's own 4xx errors. */
const FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'That request is too large. A subscription is a few lines of text; shorten the topics and try again.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Send the form as application/x-www-form-urlencoded or application/json.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The JSON body is empty; send an object with your email and topics.',
  FST_ERR_CTP_INVALID_JSON_BODY: 'The JSON body is not valid JSON.',
  FST_CSRF_INVALID_TOKEN: 'This form has expired or was not sent from this site. Reload the page and try again.',
  FST_CSRF_MISSING_SECRET: 'This form has expired or was not sent from this site. Reload the page and try again.',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'The form body could not be read.',
};

/** Pages for people, JSON for programs: a JSON request or a non-page route gets JSON. */
export function wantsPage(request: FastifyRequest): boolean {
  const type = request.headers['content-type'] ?? '';
  if (type.includes('json')) return false;
  if (request.routeOptions.config?.page) return true;
  return (request.headers.accept ?? '').includes('text/html');
}

export function sendError(reply: FastifyReply, pages: PageRenderer, statusCode: number, message: string, field?: string) {
  if (wantsPage(reply.request)) {
    const title = STATUS_CODES[statusCode] ?? 'Error';
    return reply
      .code(statusCode)
      .type('text/html; charset=utf-8')
      .send(pages.message({ title, heading: title, paragraphs: [message], links: [{ href: '/', label: 'Go to the subscribe page' }] }));
  }
  return reply.code(statusCode).send(body(statusCode, message, field));
}

/**
 * The one error handler. A 4xx says what to fix; a 5xx hides its details
 * from the client and logs them with the request id.
 */
export function registerErrorHandler(app: FastifyInstance, pages: PageRenderer): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof UserError) {
      return sendError(reply, pages, error.statusCode, error.message, error.field);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const { message, field } = validationMessage(error);
      return sendError(reply, pages, 400, message, field);
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendError(reply, pages, status, FRAMEWORK_MESSAGES[error.code] ?? error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, pages, 500, 'Something went wrong on our side. It has been logged; please try again later.');
  });

  app.setNotFoundHandler((request, reply) => {
    return sendError(reply, pages, 404, `There is nothing at ${request.method} ${request.url.split('?')[0]}.`);
  });
}
