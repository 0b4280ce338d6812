import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { TrustProxy } from '../config.js';

/** How long a client may take, and how many connections it may hold. */
export interface HttpLimits {
  /** A whole request, headers and body, must arrive within this, however steadily it trickles in. */
  requestTimeoutMs: number;
  /** The headers must arrive within this (at most `requestTimeoutMs`). */
  headersTimeoutMs: number;
  /** A connection that sends nothing for this long is closed. */
  idleTimeoutMs: number;
  /** How long a finished keep-alive connection waits for the next request. */
  keepAliveTimeoutMs: number;
  /** Open connections in all; more are closed at once, before they cost a file descriptor for long. */
  maxConnections: number;
  /** Open connections from one address, so one client cannot take them all (off behind a proxy). */
  maxConnectionsPerPeer: number;
}

/**
 * Every form and API call here is a few hundred bytes, so tight limits cost a
 * real visitor nothing. The connection cap stays well under the usual limit
 * of 1,024 open files, which the database, the SMTP pool and the logs share.
 */
export const HTTP_LIMITS: HttpLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 512,
  maxConnectionsPerPeer: 64,
};

/** Fastify's options for the limits above. */
export function serverOptions(limits: HttpLimits) {
  return {
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      // Node looks for overdue requests every 30 s by default, which would
      // let a slow request live that much past its timeout.
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(limits.requestTimeoutMs / 2)),
    },
  };
}

/**
 * The connection caps. Behind a proxy every connection comes from the proxy,
 * so the per-address cap is left to it; the total cap always holds.
 */
export function limitConnections(server: Server, limits: HttpLimits, trustProxy: TrustProxy): void {
  server.maxConnections = limits.maxConnections;
  if (trustProxy !== false) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const peer = socket.remoteAddress ?? '';
    const count = (open.get(peer) ?? 0) + 1;
    if (count > limits.maxConnectionsPerPeer) {
      socket.destroy();
      return;
    }
    open.set(peer, count);
    socket.once('close', () => {
      const left = (open.get(peer) ?? 1) - 1;
      if (left === 0) open.delete(peer);
      else open.set(peer, left);
    });
  });
}

/** Fastify's trust function for a setting: a hop count trusts that many hops nearest the server. */
export function trustProxyOption(trust: TrustProxy): false | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false || Array.isArray(trust)) return trust;
  return (_address, hop) => hop < trust;
}
