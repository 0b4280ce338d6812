import { readMigrations } from '../../src/db/migrate.js';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, ROOT, waitForLine } from '../helpers/run.js';
import { tempDir } from '../helpers/store.js';

function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['dist/server.js'], {
    cwd: ROOT,
    env: cleanEnv({ PORT: '0', HOST: '127.0.0.1', ...env }),
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

describe('the server process', () => {
  it('loads the seed papers into an empty database, serves, and stops cleanly on SIGTERM', async () => {
    const server = startServer({ DATABASE_PATH: path.join(tempDir(), 'fresh', 'paperboy.db') });
    try {
      const listening = await waitForLine(server.child, /Server listening at http:\/\/127\.0\.0\.1:\d+/);
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(listening)![0];

      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', schemaVersion: readMigrations().length, papers: 84 });

      const matches = await fetch(`${url}/api/matches?topics=${encodeURIComponent('test-time adaptation')}&limit=3`);
      const papers = (await matches.json()) as Array<{ title: string }>;
      expect(papers).toHaveLength(3);
      expect(papers[0]!.title).toMatch(/test-time adaptation/i);

      // With the embedded defaults a visitor can subscribe and read the confirmation in the outbox.
      expect(server.stdout()).toContain('SMTP_URL is not set: emails go to the outbox');
      expect(server.stdout()).toContain('SECRET_KEY is not set: made a random key');
      const form = await fetch(`${url}/`);
      expect(form.status).toBe(200);
      expect(await form.text()).toContain('<form method="post" action="/subscribe"');
      const subscribed = await fetch(`${url}/subscribe`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=ada%40example.com&topics=LoRA',
      });
      expect(subscribed.status).toBe(200);
      await expect.poll(async () => (await (await fetch(`${url}/dev/outbox`)).text()).includes('Confirm your paperboy subscription')).toBe(true);

      // Request logs never hold a link's signature.
      const signature = 'Q'.repeat(43);
      expect((await fetch(`${url}/unsubscribe?token=1.1.${signature}`)).status).toBe(400);
      await expect.poll(() => server.stdout().includes('"url":"/unsubscribe?token=1.1.…"')).toBe(true);
      expect(server.stdout()).not.toContain(signature);

      const stopped = waitForLine(server.child, /"msg":"stopped"/);
      server.child.kill('SIGTERM');
      await stopped;
      expect(await server.exited).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('stops cleanly on SIGINT (Ctrl-C) too, keeping the papers it loaded', async () => {
    const file = path.join(tempDir(), 'paperboy.db');
    const first = startServer({ DATABASE_PATH: file });
    await waitForLine(first.child, /Server listening/);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toContain('the store was empty: loaded the seed papers');

    // A second start finds the papers and does not load the seed again.
    const second = startServer({ DATABASE_PATH: file });
    try {
      await waitForLine(second.child, /Server listening/);
      expect(second.stdout()).toContain('database ready');
      expect(second.stdout()).not.toContain('loaded the seed papers');
      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
    } finally {
      second.child.kill('SIGKILL');
    }
  });

  it('refuses to start on a bad setting, with one line naming it', async () => {
    const server = startServer({ DATABASE_PATH: path.join(tempDir(), 'paperboy.db'), PUBLIC_URL: 'not a url' });
    expect(await server.exited).toBe(2);
    expect(server.stderr()).toMatch(/^paperboy: invalid setting: PUBLIC_URL must be an http:\/\/ or https:\/\/ URL \(got "not a url"\)\n$/);
  });
});
