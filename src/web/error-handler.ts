import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { UserError } from '../errors.js';
import type { MessagePage, PageRenderer } from './page-renderer.js';
import { errorBody, wantsPage } from './negotiation.js';
import { LinkError } from './token-query.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route serves pages: its errors are pages too, unless the request was JSON. */
    page?: boolean;
  }
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

/** Page titles a person understands; the JSON body keeps the standard reason phrase for programs. */
const PAGE_TITLES: Record<number, string> = {
  400: 'That did not work',
  403: 'Not available here',
  404: 'Page not found',
  409: 'That cannot be done now',
  410: 'This link has expired',
  413: 'That is too much to send',
  415: 'That form could not be read',
  422: 'That needs a change',
  429: 'Too many tries',
};

function pageTitle(statusCode: number): string {
  return PAGE_TITLES[statusCode] ?? (statusCode >= 500 ? 'Something went wrong' : 'That did not work');
}

/**
 * A link that opens nothing still leads somewhere: a form that emails a fresh
 * link to the address typed in. It takes an address, never a token, so the
 * page grants nothing by itself, and its answer is the same for every address.
 */
function linkErrorPage(request: FastifyRequest, message: string): Omit<MessagePage, 'title' | 'heading'> {
  const confirming = request.url.startsWith('/confirm');
  return {
    paragraphs: [message, 'Type your email address and we will send you a fresh link, if it has a subscription here.'],
    emailForm: confirming
      ? { action: '/confirm/resend', label: 'Email me a new confirmation link' }
      : { action: '/manage-link', label: 'Email me a fresh link' },
  };
}

export interface ErrorOptions {
  field?: string;
  /** The failure came from an emailed link: the page offers to email a fresh one. */
  fromLink?: boolean;
}

export function sendError(reply: FastifyReply, pages: PageRenderer, statusCode: number, message: string, options: ErrorOptions = {}) {
  if (wantsPage(reply.request)) {
    const fromLink = options.fromLink === true;
    const title = fromLink ? (statusCode === 410 ? 'This link has expired' : 'This link does not work') : pageTitle(statusCode);
    const rest = fromLink
      ? linkErrorPage(reply.request, message)
      : { paragraphs: [message], links: [{ href: '/', label: 'Go to the subscribe page' }] };
    return reply.code(statusCode).type('text/html; charset=utf-8').send(pages.message({ title, heading: title, ...rest }));
  }
  return reply.code(statusCode).send(errorBody(statusCode, message, options.field));
}

/** A request that came from an emailed link: its token is in the query, or it is a feed address. */
function cameFromLink(request: FastifyRequest): boolean {
  const query = request.query as Record<string, unknown> | undefined;
  return query?.token !== undefined || request.url.startsWith('/feeds/');
}

/**
 * The one error handler. A 4xx says what to fix; a 5xx hides its details
 * from the client and logs them with the request id.
 */
export function registerErrorHandler(app: FastifyInstance, pages: PageRenderer): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof UserError) {
      return sendError(reply, pages, error.statusCode, error.message, { field: error.field, fromLink: error instanceof LinkError });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const { message, field } = validationMessage(error);
      return sendError(reply, pages, 400, message, { field, fromLink: field === 'token' || cameFromLink(request) });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendError(reply, pages, status, FRAMEWORK_MESSAGES[error.code] ?? error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, pages, 500, 'Something went wrong on our side. It has been logged; please try again later.');
  });

  app.setNotFoundHandler((_request, reply) => {
    // The address is not repeated back: it may hold a mistyped token, and the reader knows what they opened.
    return sendError(reply, pages, 404, 'There is no page at this address. Check it for typing mistakes, or start from the subscribe page.');
  });
}
