import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/http.js';
import { paperboy, ROOT, runToEnd, type RunOptions, type RunResult } from '../helpers/run.js';
import { tempDb, tempDir } from '../helpers/store.js';

/** Root ignores file modes; the read-only cases run the program as `nobody` instead. */
const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

/** `node dist/server.js` until it exits; each case here stops it before it listens. */
const serve = (env: Record<string, string>, options: RunOptions = {}) => runToEnd(['dist/server.js'], { PORT: '0', LOG_LEVEL: 'warn', ...env }, options);

/** One line on stderr matching `pattern`, no stack trace, and the exit code an operator can act on. */
function expectOneLine(result: RunResult, code: number, pattern: RegExp): void {
  expect(result.stderr).toMatch(/^paperboy[^\n]*\n$/);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr).toMatch(pattern);
  expect(result.code).toBe(code);
}

/** A folder `nobody` may read and enter but not write. */
function readOnlyDir(): string {
  const dir = tempDir();
  fs.chmodSync(dir, 0o755);
  return dir;
}

describe('operator errors: one line, no stack trace, the right exit code', { timeout: 60_000 }, () => {
  it('a file that is not a database: exit 2 from the server and the CLI', async () => {
    const file = path.join(tempDir(), 'paperboy.db');
    fs.writeFileSync(file, 'these are my notes, not a database\n'.repeat(200));
    const pattern = /DATABASE_PATH .*paperboy\.db is not an SQLite database/;
    expectOneLine(await serve({ DATABASE_PATH: file }), 2, pattern);
    expectOneLine(await paperboy(['migrate'], { DATABASE_PATH: file }), 2, pattern);
  });

  it('a damaged database: exit 1', async () => {
    const { db, file } = tempDb();
    db.close();
    // Page 1 past its header holds the schema; scribbling over it is what a torn disk write looks like.
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(3000, 0xa5), 0, 3000, 100);
    fs.closeSync(fd);
    expectOneLine(await serve({ DATABASE_PATH: file }), 1, /the database .*paperboy\.db is damaged: restore it from a backup/);
  });

  it('a read-only database, and a read-only folder: exit 1', async () => {
    const dir = readOnlyDir();
    const file = path.join(dir, 'paperboy.db');
    new Database(file).close();
    fs.chmodSync(file, 0o644);
    const pattern = /cannot write the database .*paperboy\.db: the file or its folder is read-only/;
    expectOneLine(await serve({ DATABASE_PATH: file }, asUser), 1, pattern);

    const fresh = path.join(readOnlyDir(), 'new.db');
    expectOneLine(await serve({ DATABASE_PATH: fresh }, asUser), 1, /cannot write the database .*new\.db/);
  });

  it('a port another program holds: exit 1', async () => {
    const port = await freePort();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      const result = await serve({ DATABASE_PATH: path.join(tempDir(), 'paperboy.db'), PORT: String(port), HOST: '127.0.0.1' });
      expectOneLine(result, 1, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use by another program: stop it, or set PORT`));
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('a bad secret.key in the data folder: exit 1', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'secret.key'), 'not-a-key\n');
    const result = await serve({ DATABASE_PATH: path.join(dir, 'paperboy.db') });
    expectOneLine(result, 1, /secret\.key does not hold a key of 64 hex digits; set SECRET_KEY, or delete the file/);
  });

  it('an install without templates/: exit 1', async () => {
    const app = tempDir();
    fs.cpSync(path.join(ROOT, 'dist'), path.join(app, 'dist'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'migrations'), path.join(app, 'migrations'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'seeds', 'papers.json'), path.join(app, 'seeds', 'papers.json'));
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(app, 'package.json'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));
    const result = await serve({ DATABASE_PATH: path.join(app, 'data', 'paperboy.db') }, { cwd: app });
    expectOneLine(result, 1, /the templates folder .*templates\/? is missing or incomplete .*reinstall paperboy/);
  });

  it('SMTP_URL with broken percent-encoding: exit 2 from the server and the CLI, without echoing the password', async () => {
    const env = { DATABASE_PATH: path.join(tempDir(), 'paperboy.db'), SMTP_URL: 'smtp://mailer:50%off@relay.example.com:587' };
    const pattern = /^paperboy: invalid setting: SMTP_URL has a user name or password with broken percent-encoding: write a literal % as %25/;
    const served = await serve(env);
    expectOneLine(served, 2, pattern);
    expect(served.stderr).not.toContain('50%off');
    expectOneLine(await paperboy(['digest', '--dry-run'], env), 2, pattern);
  });
});
