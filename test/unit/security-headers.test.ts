import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import helmet, { type HelmetOptions } from 'helmet';
import { describe, expect, it } from 'vitest';
import { helmetHeaders } from '../../src/web/security-headers.js';

/** What helmet's own middleware sets on a real response, header names lower-cased. */
function appliedByHelmet(options: HelmetOptions): Record<string, string> {
  const response = new ServerResponse(new IncomingMessage(new Socket()));
  helmet(options)(response.req, response, () => {});
  return Object.fromEntries(Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]));
}

describe('security headers worked out once', () => {
  const cases: Array<[string, HelmetOptions]> = [
    ['defaults', {}],
    ['https', { strictTransportSecurity: true, contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'https:'], 'upgrade-insecure-requests': [] } } }],
    ['plain http', { strictTransportSecurity: false, contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': null } } }],
  ];

  it.each(cases)('equal what helmet sets on a real response (%s)', (_name, options) => {
    const headers = helmetHeaders(options);
    expect(Object.keys(headers).length).toBeGreaterThan(5);
    expect(headers).toEqual(appliedByHelmet(options));
  });

  it('cannot be changed by a request that reads them', () => {
    const headers = helmetHeaders({});
    expect(Object.isFrozen(headers)).toBe(true);
    expect(headers['content-security-policy']).toContain("default-src 'self'");
  });
});
