import { STATUS_CODES } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { FieldErrors } from '../subscriptions/subscription.schema.js';

/** The request's body is JSON: its answer, and any error, is JSON too. */
export const isJsonRequest = (request: FastifyRequest) => (request.headers['content-type'] ?? '').includes('json');

/** Pages for people, JSON for programs: a JSON request or a non-page route gets JSON. */
export function wantsPage(request: FastifyRequest): boolean {
  if (isJsonRequest(request)) return false;
  if (request.routeOptions.config?.page) return true;
  return (request.headers.accept ?? '').includes('text/html');
}

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  field?: string;
}

export function errorBody(statusCode: number, message: string, field?: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...(field ? { field } : {}) };
}

/** A form's fields refused, for a program: the same 400 whichever form it was. */
export const fieldErrorsBody = (fields: FieldErrors) => ({ ...errorBody(400, 'Some fields need a change.'), fields });
