import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { readMigrations } from '../../src/db/migrate.js';
import { cleanEnv, paperboy, ROOT } from '../helpers/run.js';
import { tempDir } from '../helpers/store.js';

interface MatchJson {
  id: string;
  title: string;
  score: number;
  matched: string[];
}

const dbEnv = () => ({ DATABASE_PATH: path.join(tempDir(), 'paperboy.db') });

/** A one-line message with no stack trace. */
const oneLine = (text: string) => {
  expect(text.trim().split('\n')).toHaveLength(1);
  expect(text).not.toMatch(/\n\s+at /);
};

describe('paperboy match', () => {
  it('lists the test-time adaptation papers of the seed page, best first, as JSON', async () => {
    const result = await paperboy(['match', 'test-time adaptation', '--json'], dbEnv());
    expect(result.code).toBe(0);
    const papers = JSON.parse(result.stdout) as MatchJson[];
    expect(papers).toHaveLength(10);
    for (const paper of papers) {
      expect(paper).toEqual(expect.objectContaining({ id: expect.any(String), title: expect.any(String), score: expect.any(Number) }));
      expect(paper.title).toMatch(/test[- ]time/i);
      expect(paper.matched).toContain('adaptation');
    }
    const scores = papers.map((paper) => paper.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(papers.map((paper) => paper.title)).toContain('Continual Test-Time Domain Adaptation');
  });

  it('takes several topics and a limit, and prints a readable list without --json', async () => {
    const result = await paperboy(['match', 'LoRA', 'quantization', '--limit', '3'], dbEnv());
    expect(result.code).toBe(0);
    expect(result.stdout.match(/^ ?\d+\. /gm)).toHaveLength(3);
    expect(result.stdout).toMatch(/matched: (lora|quantiz)/);
  });

  it('says so when nothing matches', async () => {
    const result = await paperboy(['match', 'zymurgy'], dbEnv());
    expect(result).toMatchObject({ code: 0, stdout: 'No paper matches those topics.\n' });
  });

  it.each([
    ['an unclosed quote', ['match', '"mixture of experts'], /quote that is not closed/],
    ['a NUL byte', ['match', 'lora\u0001video'], /control character/],
    ['only exclusions', ['match', '--', '-video'], /only excludes words/],
    ['no topic', ['match'], /needs at least one topic/],
    ['a bad limit', ['match', 'lora', '--limit', '0'], /--limit must be a whole number from 1 to 50/],
    ['a limit in exponent form', ['match', 'lora', '--limit', '1e1'], /--limit must be a whole number from 1 to 50 \(got "1e1"\)/],
    ['an unknown option', ['match', 'lora', '--fast'], /^paperboy match: Unknown option '--fast'; see paperboy match --help\n$/],
    // A topic that starts with an exclusion reads as an option: the message says how to pass it.
    ['a topic that starts with "-"', ['match', '-video diffusion'], /^paperboy match: "-video diffusion" is not an option; a topic that starts with "-" goes after --, as in: paperboy match -- "-video diffusion"\n$/],
  ])('exits 2 with one line for %s', async (_label, args, message) => {
    const result = await paperboy(args, dbEnv());
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    oneLine(result.stderr);
  });
});

describe('paperboy migrate', () => {
  it('applies the migrations once; a second run finds nothing to do', async () => {
    const env = dbEnv();
    const first = await paperboy(['migrate'], env);
    expect(first.code).toBe(0);
    const latest = readMigrations().length;
    expect(first.stdout).toContain(`applied ${latest} migration(s); schema now at version ${latest}`);
    const second = await paperboy(['migrate'], env);
    expect(second).toMatchObject({ code: 0 });
    expect(second.stdout).toContain(`schema already at version ${latest}`);
  });

  it('stops on a bad setting with one line naming it', async () => {
    const result = await paperboy(['migrate'], { ...dbEnv(), DIGEST_MAX_PAPERS: 'lots' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^paperboy: invalid setting: DIGEST_MAX_PAPERS must be a whole number/);
    oneLine(result.stderr);
  });
});

describe('paperboy ingest', () => {
  it('loads the 84 seed papers, and a second run adds nothing', async () => {
    const env = dbEnv();
    const first = await paperboy(['ingest', '--source', 'seed'], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('seed: 84 added, 0 updated, 0 unchanged, 0 rejected\n');
    // Not a terminal: progress comes as plain log lines.
    expect(first.stderr).toMatch(/^ingest seed: 84 to do$/m);
    expect(first.stderr).not.toContain('\r');

    const second = await paperboy(['ingest', '--source', 'seed'], env);
    expect(second.stdout).toBe('seed: 0 added, 0 updated, 84 unchanged, 0 rejected\n');
  });

  it('reads another seed file with --file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'mine.json');
    const papers = [
      { id: 'seed-aaaaaaaaaaaa', title: 'Tiny LoRA', abstract: 'LoRA on a budget.', codeUrl: 'https://github.com/x/y', projectUrl: null },
      { id: 'seed-bbbbbbbbbbbb', title: 'Tiny MoE', abstract: 'Experts, mixed.', codeUrl: null, projectUrl: null },
    ];
    fs.writeFileSync(file, JSON.stringify(papers));
    const env = { DATABASE_PATH: path.join(dir, 'paperboy.db') };
    expect((await paperboy(['ingest', '--source', 'seed', '--file', file], env)).stdout).toMatch(/^seed: 2 added/);
    const found = JSON.parse((await paperboy(['match', 'lora', '--json'], env)).stdout) as MatchJson[];
    expect(found.map((paper) => paper.title)).toEqual(['Tiny LoRA']);
  });

  it.each([
    ['an unknown source', ['ingest', '--source', 'nowhere'], /unknown source "nowhere"; choose one of: seed/],
    ['no source', ['ingest'], /ingest needs --source/],
    ['a missing file', ['ingest', '--source', 'seed', '--file', '/nonexistent/papers.json'], /cannot read seed papers from \/nonexistent/],
  ])('exits 2 with one line for %s', async (_label, args, message) => {
    const result = await paperboy(args, dbEnv());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    oneLine(result.stderr);
  });
});

describe('paperboy', () => {
  it('prints usage for help and exits 2 for an unknown command', async () => {
    const help = await paperboy(['--help'], dbEnv());
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/match <topic>\.\.\. \[--json\] \[--limit N\]/);
    const unknown = await paperboy(['frobnicate'], dbEnv());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    // Names every object has are not commands either.
    const inherited = await paperboy(['constructor'], dbEnv());
    expect(inherited.code).toBe(2);
    expect(inherited.stderr).toMatch(/unknown command "constructor"/);
  });
});

describe('paperboy, when the machine is at fault', () => {
  it('reads while another process holds the write lock, and a write that waits it out fails in one line', async () => {
    const env = dbEnv();
    expect((await paperboy(['ingest', '--source', 'seed'], env)).code).toBe(0);
    const holder = new Database(env.DATABASE_PATH);
    try {
      holder.exec('BEGIN IMMEDIATE');
      holder.prepare("UPDATE papers SET title = title WHERE seq = 1").run();
      // `runs` only reads: it must not wait for the lock at all (a start used to take it to check the migrations).
      const started = Date.now();
      const runs = await paperboy(['runs'], env);
      expect(runs.code, runs.stderr).toBe(0);
      expect(Date.now() - started).toBeLessThan(4_000);
      const ingest = await paperboy(['ingest', '--source', 'seed'], env);
      expect(ingest.code).toBe(1);
      // After its progress line, one line says why.
      const [progress, ...rest] = ingest.stderr.trim().split('\n');
      expect(progress).toBe('ingest seed: 84 to do');
      expect(rest).toHaveLength(1);
      expect(rest[0]).toMatch(/^paperboy ingest: the database is locked: another process held its write lock/);
    } finally {
      holder.close();
    }
  });

  it('names a file it cannot write in one line', async () => {
    const env = dbEnv();
    expect((await paperboy(['ingest', '--source', 'seed'], env)).code).toBe(0);
    const out = path.join(tempDir(), 'no-such-folder', 'x.db');
    const backup = await paperboy(['backup', '--out', out], env);
    expect(backup.code).toBe(2);
    oneLine(backup.stderr);
    const file = await paperboy(['bounces', '--file', tempDir()], env);
    expect(file.code).toBe(1);
    expect(file.stderr).toMatch(/^paperboy bounces: EISDIR/);
    oneLine(file.stderr);
  });

  it('stops quietly when the reader of its output goes away', async () => {
    const env = dbEnv();
    expect((await paperboy(['ingest', '--source', 'seed'], env)).code).toBe(0);
    const child = spawn(process.execPath, ['bin/paperboy.js', 'match', 'learning', '--limit', '50'], { cwd: ROOT, env: cleanEnv(env) });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // `| head -0`: the pipe is closed before the first line is read.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
