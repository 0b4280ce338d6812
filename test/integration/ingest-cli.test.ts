import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli.js';
import { openDatabase } from '../../src/db/connection.js';
import { json, startFixtureServer } from '../helpers/fixture-server.js';
import { paperboy } from '../helpers/run.js';
import { ATOM_FILE, hfEntries, HF_SAMPLE_FILE } from '../helpers/sources.js';
import { tempDir } from '../helpers/store.js';

const dbEnv = () => ({ DATABASE_PATH: path.join(tempDir(), 'paperboy.db') });

/** What the CLI left in its database file. */
function rows(file: string, sql: string): unknown[] {
  const db = openDatabase(file);
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

/** A message on one line, with no stack trace. */
const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

describe('paperboy ingest --source hf', () => {
  it('stores the papers of a saved response; a second run changes nothing; match finds them', async () => {
    const env = dbEnv();
    const first = await paperboy(['ingest', '--source', 'hf', '--file', HF_SAMPLE_FILE], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('hf: 4 added, 0 updated, 0 unchanged, 0 rejected\n');
    // Not a terminal: plain progress lines.
    expect(first.stderr).toMatch(/^ingest hf: 4 to do$/m);
    // The summary is said once: on stdout, not again at the end of the progress log.
    expect((first.stdout + first.stderr).match(/4 added/g)).toHaveLength(1);

    const again = await paperboy(['ingest', '--source', 'hf', '--file', HF_SAMPLE_FILE], env);
    expect(again.stdout).toBe('hf: 0 added, 0 updated, 4 unchanged, 0 rejected\n');

    const found = await paperboy(['match', 'contrastive loss', '--json'], env);
    expect(found.code).toBe(0);
    const papers = JSON.parse(found.stdout) as Array<{ id: string; title: string; upvotes: number; url: string }>;
    expect(papers[0]).toMatchObject({
      id: '2410.17243',
      title: 'Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss',
      upvotes: 64,
      url: 'https://huggingface.co/papers/2410.17243',
    });
  });

  it('updates only the upvotes when a newer saved response has more', async () => {
    const env = dbEnv();
    await paperboy(['ingest', '--source', 'hf', '--file', HF_SAMPLE_FILE], env);
    const newer = path.join(tempDir(), 'later.json');
    const entries = hfEntries();
    entries[0].paper.upvotes = 99;
    fs.writeFileSync(newer, JSON.stringify(entries));
    const result = await paperboy(['ingest', '--source', 'hf', '--file', newer], env);
    expect(result.stdout).toBe('hf: 0 added, 1 updated, 3 unchanged, 0 rejected\n');
    expect(rows(env.DATABASE_PATH, 'SELECT id, upvotes FROM papers ORDER BY upvotes DESC LIMIT 1')).toEqual([{ id: '2410.17243', upvotes: 99 }]);
  });

  it('fails, and records a failed run, when the source sends entries and not one of them is a usable paper', async () => {
    const env = dbEnv();
    const drifted = path.join(tempDir(), 'drifted.json');
    // What a renamed field upstream would look like: every entry there, none readable.
    fs.writeFileSync(drifted, JSON.stringify(hfEntries().map(({ paper }) => ({ article: paper }))));
    const result = await paperboy(['ingest', '--source', 'hf', '--file', drifted], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^paperboy ingest: hf failed: every one of the 4 entries it sent was rejected \(the first: .+\); has the source changed its format\?$/m);
    noStack(result.stderr);
    expect(rows(env.DATABASE_PATH, 'SELECT kind, source, outcome FROM runs')).toEqual([{ kind: 'ingest', source: 'hf', outcome: 'failed' }]);
  });

  it('reads a day from HF_BASE_URL, page by page', async () => {
    const server = await startFixtureServer((request) => json(request.query.get('p') === '0' ? hfEntries() : []));
    const result = await paperboy(['ingest', '--source', 'hf', '--date', '2024-10-25'], { ...dbEnv(), HF_BASE_URL: server.url });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('hf: 4 added, 0 updated, 0 unchanged, 0 rejected\n');
    expect(server.requests.map((r) => `${r.path}?${r.query}`)).toEqual([
      '/api/daily_papers?date=2024-10-25&limit=50&p=0',
      '/api/daily_papers?date=2024-10-25&limit=50&p=1',
    ]);
    expect(result.stderr).toMatch(/^ingest hf: started$/m);
  });

  it('exits 1 with a one-line reason when the source fails, and stores nothing', async () => {
    const server = await startFixtureServer(() => ({ status: 404, body: 'Not Found' }));
    const env = { ...dbEnv(), HF_BASE_URL: server.url };
    const result = await paperboy(['ingest', '--source', 'hf', '--date', '2024-10-25'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const reason = result.stderr.trim().split('\n').at(-1);
    expect(reason).toMatch(/^paperboy ingest: hf failed: GET http:\/\/127\.0\.0\.1:\d+\/api\/daily_papers\?date=2024-10-25&limit=50&p=0: HTTP 404 Not Found$/);
    noStack(result.stderr);
    expect(rows(env.DATABASE_PATH, 'SELECT count(*) AS n FROM papers')).toEqual([{ n: 0 }]);
  });
});

describe('paperboy ingest --source arxiv', () => {
  it('stores the papers of a saved Atom response', async () => {
    const env = dbEnv();
    const result = await paperboy(['ingest', '--source', 'arxiv', '--file', ATOM_FILE], env);
    expect(result).toMatchObject({ code: 0, stdout: 'arxiv: 3 added, 0 updated, 0 unchanged, 0 rejected\n' });
    expect(rows(env.DATABASE_PATH, 'SELECT id, title, source FROM papers ORDER BY id')).toEqual([
      { id: '2410.16001', title: 'Test-Time Adaptation under Label Shift', source: 'arxiv' },
      { id: '2410.17243', title: 'Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss', source: 'arxiv' },
      { id: '2410.18771', title: 'Sparse Mixture-of-Experts & Token Routing: A Survey of Load Balancing', source: 'arxiv' },
    ]);
  });
});

describe('paperboy ingest: bad input', () => {
  const file = (name: string, body: string) => {
    const target = path.join(tempDir(), name);
    fs.writeFileSync(target, body);
    return target;
  };

  it.each([
    ['a saved file that is not JSON', () => ['--source', 'hf', '--file', file('bad.json', '{"truncated": [')], /bad\.json: the response is not JSON$/],
    ['an HTML page saved as JSON', () => ['--source', 'hf', '--file', file('page.json', '<!DOCTYPE html><html></html>')], /not JSON \(it looks like an HTML page\)$/],
    ['a saved file that is not XML', () => ['--source', 'arxiv', '--file', file('bad.xml', '<feed><entry>')], /bad\.xml: the response is not valid XML: line 1/],
    ['a missing file', () => ['--source', 'hf', '--file', '/nonexistent/day.json'], /cannot read \/nonexistent\/day\.json: ENOENT/],
    ['a date that is not a day', () => ['--source', 'hf', '--date', '2024-02-30'], /--date must be a real day written YYYY-MM-DD, such as 2024-10-25 \(got "2024-02-30"\)/],
    ['a date in another form', () => ['--source', 'hf', '--date', '25/10/2024'], /--date must be a real day/],
    ['a month that does not exist', () => ['--source', 'hf', '--date', '2024-13-45'], /--date must be a real day written YYYY-MM-DD, such as 2024-10-25 \(got "2024-13-45"\)/],
    ['month zero', () => ['--source', 'hf', '--date', '2024-00-01'], /--date must be a real day/],
    ['--date with --file', () => ['--source', 'hf', '--date', '2024-10-25', '--file', HF_SAMPLE_FILE], /--date and --file do not go together/],
    ['--date for the seed source', () => ['--source', 'seed', '--date', '2024-10-25'], /--date does not apply to the seed source/],
    ['an unknown source', () => ['--source', 'nowhere'], /unknown source "nowhere"; choose one of: seed, hf, arxiv/],
  ])('exits 2 with one line for %s', async (_label, args, message) => {
    // In-process, through the same entry point as bin/paperboy.js: these
    // cases stop before the store is opened, and nine spawns would be slow.
    vi.stubEnv('DATABASE_PATH', dbEnv().DATABASE_PATH);
    const out = { stdout: '', stderr: '' };
    const sink = (key: keyof typeof out) =>
      new Writable({
        write(chunk, _encoding, done) {
          out[key] += String(chunk);
          done();
        },
      });
    const code = await runCli(['ingest', ...args()], { stdout: sink('stdout'), stderr: sink('stderr') });
    vi.unstubAllEnvs();
    expect(code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr.trim()).toMatch(message);
    noStack(out.stderr);
  });

  it('says so in one line through the real bin as well', async () => {
    const result = await paperboy(['ingest', '--source', 'hf', '--file', '/nonexistent/day.json'], dbEnv());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^paperboy ingest: cannot read \/nonexistent\/day\.json: ENOENT[^\n]*\n$/);
  });
});
