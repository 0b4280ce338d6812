import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { MatchPreview, PREVIEW_LIMITS } from '../../src/ranking/match-preview.js';
import { testApp } from '../helpers/app.js';

type Listening = Awaited<ReturnType<typeof testApp>>['app'];

async function listen(app: Listening): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as net.AddressInfo).port;
}

/** A raw connection, so the test controls every byte the client sends. */
function connect(port: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sent before it closed the connection. */
function closed(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', () => undefined);
    socket.once('close', () => resolve(received));
  });
}

const SLOW_POST = 'POST /subscribe HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=';

describe('slow clients', { timeout: 60_000 }, () => {
  it('a client that sends its headers and never finishes its body is cut off, and the server keeps answering', async () => {
    const { app } = await testApp({ limits: { idleTimeoutMs: 300, requestTimeoutMs: 60_000 } });
    const port = await listen(app);
    const slow = await connect(port);
    const done = closed(slow);
    slow.write(SLOW_POST);

    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    await done;
    expect(slow.destroyed).toBe(true);
  });

  it('a client that trickles its body a byte at a time is cut off when the request takes too long', async () => {
    // The idle timeout never fires: a byte arrives every 50 ms. Only the whole-request limit stops it.
    const { app } = await testApp({ limits: { idleTimeoutMs: 60_000, requestTimeoutMs: 600, headersTimeoutMs: 600 } });
    const port = await listen(app);
    const slow = await connect(port);
    const done = closed(slow);
    slow.write(SLOW_POST);
    const drip = setInterval(() => slow.writable && slow.write('a'), 50);
    try {
      const answer = await done;
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(drip);
    }
  });

  it('one address cannot hold every connection: another still reaches /healthz', async () => {
    const { app } = await testApp({ limits: { maxConnectionsPerPeer: 3 } });
    const port = await listen(app);
    const held = await Promise.all([1, 2, 3].map(() => connect(port, '127.0.0.2')));
    for (const socket of held) socket.write(SLOW_POST);

    // The fourth from the same address is closed at once, with no answer.
    const extra = await connect(port, '127.0.0.2');
    expect(await closed(extra)).toBe('');

    const other = await connect(port, '127.0.0.3');
    const answer = closed(other);
    other.end('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expect(await answer).toMatch(/^HTTP\/1\.1 200 /);
    for (const socket of held) socket.destroy();
  });
});

describe('GET /api/matches under load', () => {
  it('meets a burst from one address with 429 and a message saying how long to wait', async () => {
    const { app } = await testApp();
    const port = await listen(app);
    const statuses: number[] = [];
    let refused: { message?: string } = {};
    for (let i = 0; i < 70; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/api/matches?topics=lora&limit=1`);
      statuses.push(res.status);
      if (res.status === 429) refused = (await res.json()) as { message?: string };
      else await res.arrayBuffer();
    }
    expect(statuses.slice(0, 60).every((status) => status === 200)).toBe(true);
    expect(statuses.slice(60).every((status) => status === 429)).toBe(true);
    expect(refused.message).toMatch(/^Too many attempts from your address\. Wait .+ and try again\.$/);
  });

  it('keys the limit on the address the trusted proxy saw, not on what the client wrote in X-Forwarded-For', async () => {
    const { app } = await testApp({ env: { TRUST_PROXY: '1', SUBSCRIBE_RATE_LIMIT: '3' } });
    const port = await listen(app);
    const post = (forwardedFor: string) =>
      fetch(`http://127.0.0.1:${port}/subscribe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
        body: JSON.stringify({ email: 'ada@example.com', topics: 'LoRA' }),
      }).then((res) => res.status);

    // The client makes up a new first hop each time; the proxy appends the address it really saw.
    const spoofed = [];
    for (let i = 0; i < 5; i++) spoofed.push(await post(`10.0.0.${i}, 203.0.113.9`));
    expect(spoofed).toEqual([202, 202, 202, 429, 429]);
    // Another visitor behind the same proxy has a bucket of their own.
    expect(await post('203.0.113.10')).toBe(202);
  });

  it('refuses topics that touch more papers than the cap allows, before ranking any', async () => {
    const { services } = await testApp();
    // The seed store is small, so the cap is made small to match.
    const preview = new MatchPreview(services.matcher, services.search, { ...PREVIEW_LIMITS, maxPapersTouched: 20 });
    const before = services.matcher.queries;
    expect(() => preview.preview('learning\nmodel', 3)).toThrow(
      expect.objectContaining({ statusCode: 422, field: 'topics', message: expect.stringMatching(/matches too many papers to preview/) }),
    );
    expect(services.matcher.queries).toBe(before);
    expect(preview.preview('zebrafish', 3)).toEqual([]);
  });

  it('serves a repeat of the same normalised topics from its cache', async () => {
    const { app, services } = await testApp();
    const port = await listen(app);
    const get = (topics: string) => fetch(`http://127.0.0.1:${port}/api/matches?limit=3&topics=${encodeURIComponent(topics)}`);

    const first = (await (await get('LoRA')).json()) as Array<{ id: string; topics: string[] }>;
    expect(first.length).toBeGreaterThan(0);
    const queries = services.matcher.queries;
    // The same topic in another case is the same normalised topic: no new search, and the answer names it as this visitor typed it.
    const again = (await (await get('lora')).json()) as Array<{ id: string; topics: string[] }>;
    expect(services.matcher.queries).toBe(queries);
    expect(again.map((paper) => paper.id)).toEqual(first.map((paper) => paper.id));
    expect(again[0]!.topics).toEqual(['lora']);
  });
});
