import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Outbox } from '../../src/mail/outbox.js';
import { PaperRepository } from '../../src/papers/paper.repository.js';
import { freePort } from '../helpers/http.js';
import { cleanEnv, paperboy, ROOT, waitForLine } from '../helpers/run.js';
import { paper, storePapers, tempDb, tempDir } from '../helpers/store.js';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('PUBLIC_URL', () => {
  it('follows PORT when it is not set, so emailed links reach the server that sent them', async () => {
    const port = await freePort();
    const dir = tempDir();
    const child = spawn(process.execPath, ['dist/server.js'], {
      cwd: ROOT,
      env: cleanEnv({ PORT: String(port), HOST: '127.0.0.1', DATABASE_PATH: path.join(dir, 'paperboy.db') }),
    });
    try {
      await waitForLine(child, /Server listening/);
      const res = await fetch(`http://127.0.0.1:${port}/subscribe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ada@example.com', topics: 'LoRA' }),
      });
      expect(res.status).toBe(202);
      const outbox = new Outbox(path.join(dir, 'outbox'));
      await expect.poll(async () => (await outbox.list()).length).toBe(1);
      const message = await outbox.read((await outbox.list())[0]!.file);
      expect(message!.text).toContain(`http://localhost:${port}/confirm?token=`);
      expect(message!.text).not.toContain('localhost:3000');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('the outbox', () => {
  it('leaves no .tmp file behind when a write is interrupted, and keeps working after', () => {
    const outbox = new Outbox(tempDir());
    const raw = Buffer.from('To: ada@example.com\r\nSubject: Hi\r\n\r\nhello\r\n');
    const write = fs.writeFileSync;
    // Half the message reaches the disk, then the disk is full.
    const full = vi.spyOn(fs, 'writeFileSync').mockImplementationOnce((file, data) => {
      write(file, (data as Buffer).subarray(0, 10));
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    });
    expect(() => outbox.save(raw)).toThrow(/ENOSPC/);
    full.mockRestore();
    expect(fs.readdirSync(outbox.dir)).toEqual([]);

    const stuck = vi.spyOn(fs, 'renameSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
    });
    expect(() => outbox.save(raw)).toThrow(/EIO/);
    stuck.mockRestore();
    expect(fs.readdirSync(outbox.dir)).toEqual([]);

    const file = outbox.save(raw);
    expect(fs.readdirSync(outbox.dir)).toEqual([file]);
  });
});

describe('clipping', () => {
  it('never cuts a character in half: a long title of emoji is stored without U+FFFD', () => {
    const { db } = tempDb();
    const emoji = '\u{1F600}';
    storePapers(db, [paper({ id: '2501.90001', title: emoji.repeat(600), authors: [`${'é'.repeat(150)}${emoji.repeat(60)}`] })]);
    const stored = new PaperRepository(db).findById('2501.90001')!;
    expect(stored.title).not.toContain('\ufffd');
    expect(stored.title).not.toMatch(LONE_SURROGATE);
    expect(stored.title.endsWith(`${emoji}…`)).toBe(true);
    expect([...stored.title]).toHaveLength(500);
    expect(stored.authors[0]).not.toContain('\ufffd');
  });
});

describe('the CLI', () => {
  it('escapes control characters from a source before printing them', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'papers.json');
    const evil = 'seed-\u001b[2J\u001b]0;owned\u0007\u202eevil';
    fs.writeFileSync(file, JSON.stringify([{ id: evil, title: 'Tiny LoRA', abstract: 'LoRA.', codeUrl: null, projectUrl: null }]));
    const result = await paperboy(['ingest', '--source', 'seed', '--file', file], { DATABASE_PATH: path.join(dir, 'paperboy.db') });
    // Its one entry is rejected, so the run fails: the failure's own line must be escaped as well.
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^paperboy ingest: seed failed: the one entry it sent was rejected/m);
    expect(result.stderr).toContain('rejected seed-\\x1b[2J\\x1b]0;owned\\x07\\u202eevil: ');
    // eslint-disable-next-line no-control-regex
    expect(result.stderr + result.stdout).not.toMatch(/[\u0007\u001b\u202e]/);
  });

  it.each([
    ['migrate', /^Usage: paperboy migrate\n/],
    ['ingest', /^Usage: paperboy ingest --source seed\|hf\|arxiv/],
    ['match', /^Usage: paperboy match <topic>\.\.\. \[--json\] \[--limit N\]/],
    ['digest', /^Usage: paperboy digest \[--now ISO-8601\] \[--dry-run\] \[--json\]/],
    ['preview', /^Usage: paperboy preview --email E/],
  ])('paperboy %s --help prints that command\'s usage', async (command, usage) => {
    const dir = tempDir();
    const result = await paperboy([command, '--help'], { DATABASE_PATH: path.join(dir, 'paperboy.db') });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(usage);
    // Help touches nothing: no database is made.
    expect(fs.existsSync(path.join(dir, 'paperboy.db'))).toBe(false);
  });

  it('takes --help after -- as a topic, not as a request for help', async () => {
    const result = await paperboy(['match', '--', '--help'], { DATABASE_PATH: path.join(tempDir(), 'paperboy.db') });
    expect(result.stdout).not.toMatch(/^Usage/);
  });
});
