import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/** What the server does with one request. */
export interface FixtureResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer only after this long: past the client's timeout, the answer never arrives in time. */
  delayMs?: number;
  /** Send a TCP reset instead of an answer: a connection reset by peer. */
  reset?: boolean;
}

export interface FixtureRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
}

export type FixtureHandler = (request: FixtureRequest, index: number) => FixtureResponse | undefined;

export interface FixtureServer {
  /** `http://127.0.0.1:<port>`, with no trailing slash, as config gives base URLs. */
  url: string;
  requests: FixtureRequest[];
  close(): Promise<void>;
}

const servers: FixtureServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

export const json = (body: unknown, status = 200): FixtureResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

export const atom = (body: string, status = 200): FixtureResponse => ({
  status,
  headers: { 'content-type': 'application/atom+xml; charset=utf-8' },
  body,
});

/** Answers the requests in turn with `responses`; once they run out, with `then` (404 by default). */
export function inTurn(responses: FixtureResponse[], then: FixtureHandler = () => undefined): FixtureHandler {
  return (request, index) => responses[index] ?? then(request, index);
}

/**
 * A local HTTP server on 127.0.0.1 and a free port that answers as the test
 * scripts it, and records what it was asked. Closed after each test.
 */
export async function startFixtureServer(handler: FixtureHandler): Promise<FixtureServer> {
  const requests: FixtureRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const request: FixtureRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers };
    requests.push(request);
    const answer = handler(request, requests.length - 1) ?? { status: 404, body: 'not found' };
    const send = () => {
      if (answer.reset) {
        req.socket.resetAndDestroy();
        return;
      }
      res.writeHead(answer.status ?? 200, answer.headers);
      res.end(answer.body ?? '');
    };
    if (!answer.delayMs) {
      send();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!res.destroyed) send();
    }, answer.delayMs);
    timers.add(timer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fixture: FixtureServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(fixture);
  return fixture;
}
