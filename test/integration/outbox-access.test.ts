import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app.js';
import { paperboy, runToEnd } from '../helpers/run.js';
import { tempDir } from '../helpers/store.js';

/** An address of this machine that is not loopback, when it has one. */
const external = Object.values(os.networkInterfaces())
  .flat()
  .find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;


describe('the outbox in production', { timeout: 60_000 }, () => {
  it('is refused: the Docker image\'s settings without SMTP_URL stop the server with one line saying what to set', async () => {
    const dir = tempDir();
    const result = await runToEnd(['dist/server.js'], { PORT: '0', NODE_ENV: 'production', HOST: '0.0.0.0', DATABASE_PATH: path.join(dir, 'paperboy.db') });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^paperboy: invalid setting: SMTP_URL must be set when NODE_ENV=production: point it at your mail relay[^\n]*\n$/);
    // It stopped before listening or touching the data folder.
    expect(result.stdout).not.toContain('Server listening');
  });

  it('is refused to a digest run too, which would file every digest where no reader gets it; a dry run still works', async () => {
    const env = { NODE_ENV: 'production', DATABASE_PATH: path.join(tempDir(), 'paperboy.db') };
    const run = await paperboy(['digest', '--now', '2026-12-01T08:00:00Z'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^paperboy: invalid setting: SMTP_URL must be set when NODE_ENV=production[^\n]*\n$/);
    const dry = await paperboy(['digest', '--now', '2026-12-01T08:00:00Z', '--dry-run'], env);
    expect(dry.code).toBe(0);
  });
});

describe('the outbox in development', () => {
  it('is shown to this machine and refused to any other peer, whatever X-Forwarded-For says', async () => {
    const { app, services } = await testApp({ env: { TRUST_PROXY: '1' } });
    services.outbox!.save(Buffer.from('To: ada@example.com\r\nSubject: Confirm\r\n\r\nhttp://paperboy.test/confirm?token=1.1.x\r\n'));

    const local = await app.inject({ method: 'GET', url: '/dev/outbox', remoteAddress: '127.0.0.1' });
    expect(local.statusCode).toBe(200);
    expect(local.body).toContain('ada@example.com');
    expect((await app.inject({ method: 'GET', url: '/dev/outbox', remoteAddress: '::ffff:127.0.0.1' })).statusCode).toBe(200);

    // A proxy on this machine connects from loopback on anyone's behalf: a forwarded request is refused too.
    const proxied = await app.inject({ method: 'GET', url: '/dev/outbox', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '198.51.100.7' } });
    expect(proxied.statusCode).toBe(403);
    expect(proxied.body).not.toContain('ada@example.com');

    for (const url of ['/dev/outbox', `/dev/outbox/${(await services.outbox!.list())[0]!.file}/raw`]) {
      const remote = await app.inject({ method: 'GET', url, remoteAddress: '198.51.100.7', headers: { 'x-forwarded-for': '127.0.0.1' } });
      expect(remote.statusCode).toBe(403);
      expect(remote.body).not.toContain('ada@example.com');
      expect(remote.body).toContain('The outbox is shown only on the machine paperboy runs on');
    }
  });

  it('refuses a page on another domain that was re-pointed at this machine (DNS rebinding), by its Host header', async () => {
    const { app, services } = await testApp();
    services.outbox!.save(Buffer.from('To: ada@example.com\r\nSubject: Confirm\r\n\r\nhttp://paperboy.test/confirm?token=1.1.x\r\n'));
    const as = (host: string) => app.inject({ method: 'GET', url: '/dev/outbox', remoteAddress: '127.0.0.1', headers: { host } });
    for (const host of ['rebind.attacker.example:3000', 'attacker.example', '127.0.0.1.attacker.example']) {
      const rebound = await as(host);
      expect([host, rebound.statusCode]).toEqual([host, 403]);
      expect(rebound.body).not.toContain('ada@example.com');
    }
    for (const host of ['localhost:3000', '127.0.0.1:3000', '[::1]:3000', 'paperboy.localhost:3000']) expect([host, (await as(host)).statusCode]).toEqual([host, 200]);
  });

  it.skipIf(!external)('refuses a real connection from a non-loopback address of this machine', async () => {
    const { app, services } = await testApp();
    services.outbox!.save(Buffer.from('To: ada@example.com\r\nSubject: Confirm\r\n\r\nhello\r\n'));
    await app.listen({ port: 0, host: '0.0.0.0' });
    const { port } = app.server.address() as { port: number };

    const remote = await fetch(`http://${external}:${port}/dev/outbox`, { headers: { accept: 'text/html' } });
    expect(remote.status).toBe(403);
    expect(await remote.text()).not.toContain('ada@example.com');

    const local = await fetch(`http://127.0.0.1:${port}/dev/outbox`);
    expect(local.status).toBe(200);
    expect(await local.text()).toContain('ada@example.com');
  });
});
