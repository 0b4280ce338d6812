import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestCommand } from '../../src/cli/digest.command.js';
import { loadConfig } from '../../src/config.js';
import { TEST_SECRET } from '../helpers/app.js';
import { addSubscriber } from '../helpers/digest.js';
import { paper } from '../helpers/papers.js';
import { paperboy } from '../helpers/run.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { storePapers, tempDb, tempDir } from '../helpers/store.js';

const NOW = '2026-11-27T08:00:00Z';

function store() {
  const { db, file } = tempDb();
  addSubscriber(db, { email: 'ada@example.com', topics: ['zebrafish'] });
  addSubscriber(db, { email: 'bob@example.com', topics: ['quokka'] });
  storePapers(db, [paper({ title: 'Zebrafish fins regrow' })], new Date('2026-11-26T10:00:00Z'));
  const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return { db, count, env: { DATABASE_PATH: file, SECRET_KEY: TEST_SECRET, PUBLIC_URL: 'https://paperboy.example.org' } };
}

describe('paperboy digest', () => {
  it('runs one tick as if the time were --now, and a second tick sends nothing', async () => {
    const { env, count } = store();
    const sink = await startSmtpSink();

    const early = await paperboy(['digest', '--now', '2026-11-27T08:59:00+01:00'], { ...env, SMTP_URL: sink.url });
    expect(early.code, early.stderr).toBe(0);
    expect(early.stdout).toContain('0 due, 0 sent');

    const run = await paperboy(['digest', '--now', NOW], { ...env, SMTP_URL: sink.url });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toMatch(
      /^digest at 2026-11-27T08:00:00\.000Z: 2 due, 1 sent, 1 skipped \(nothing new\), 0 retried, 0 bounced, 0 failed in [\d.]+ s$/,
    );
    // Not a terminal here: the progress shows as plain log lines.
    expect(run.stderr).toContain('digest: 1 to do');
    expect(sink.received.map((mail) => mail.envelopeTo)).toEqual([['ada@example.com']]);
    expect(sink.received[0]!.parsed.subject).toBe('1 paper on zebrafish');
    expect(count('deliveries')).toBe(2);

    const again = await paperboy(['digest', '--now', '2026-11-27T09:00:00Z'], { ...env, SMTP_URL: sink.url });
    expect(again.stdout).toContain('0 due, 0 sent');
    expect(sink.received).toHaveLength(1);
  });

  it('prints its summary once, on stdout, whether or not the two streams share a log', async () => {
    const { env } = store();
    const sink = await startSmtpSink();
    const run = await paperboy(['digest', '--now', NOW], { ...env, SMTP_URL: sink.url });
    expect(run.code, run.stderr).toBe(0);
    const both = run.stdout + run.stderr;
    expect(both.match(/2 due, 1 sent/g)).toHaveLength(1);
    expect(run.stdout).toContain('2 due, 1 sent');
  });

  it('draws a progress bar on a terminal', async () => {
    const { env } = store();
    const sink = await startSmtpSink();
    let terminal = '';
    const tty = { isTTY: true, columns: 80, write: (text: string) => ((terminal += text), true) } as unknown as NodeJS.WriteStream;
    let out = '';
    const stdout = { write: (text: string) => ((out += text), true) } as unknown as NodeJS.WriteStream;
    const code = await digestCommand(['--now', NOW], { config: loadConfig({ ...env, SMTP_URL: sink.url }), stdout, stderr: tty });
    expect(code).toBe(0);
    expect(terminal).toContain('\rdigest [----------------------------------------] 0/1');
    expect(terminal).toContain('\rdigest [########################################] 1/1');
    expect(out).toContain('2 due, 1 sent');
  });

  it('reports with --dry-run what it would send, and writes and sends nothing', async () => {
    const { env, count } = store();
    const sink = await startSmtpSink();
    const run = await paperboy(['digest', '--now', NOW, '--dry-run'], { ...env, SMTP_URL: sink.url });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('would send ada@example.com the 2026-11-27 digest: 1 of 1 matching papers');
    expect(run.stdout).not.toContain('bob@example.com');
    expect(run.stdout).toContain('(dry run, nothing sent)');
    expect(count('deliveries')).toBe(0);
    expect(sink.seen).toHaveLength(0);
  });

  it('lists in a dry run the digests an earlier run left waiting, which the real run then sends', async () => {
    const { env, db } = store();
    expect((await paperboy(['digest', '--now', NOW], { ...env, SMTP_URL: 'smtp://127.0.0.1:9' })).code).toBe(1);
    const later = '2026-11-27T08:05:00Z';
    const sink = await startSmtpSink();
    const before = JSON.stringify(db.prepare('SELECT * FROM deliveries').all());
    const dry = await paperboy(['digest', '--now', later, '--dry-run'], { ...env, SMTP_URL: sink.url });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('would send ada@example.com the 2026-11-27 digest: 1 of 1 matching papers (planned by an earlier run, due again now)');
    expect(dry.stdout).toMatch(/; 1 planned by earlier runs would be sent too\n$/);
    const json = await paperboy(['digest', '--now', later, '--dry-run', '--json'], { ...env, SMTP_URL: sink.url });
    expect(JSON.parse(json.stdout)).toMatchObject({ dryRun: true, waiting: 1 });
    expect(JSON.stringify(db.prepare('SELECT * FROM deliveries').all())).toBe(before);
    expect(sink.seen).toHaveLength(0);

    const real = await paperboy(['digest', '--now', later], { ...env, SMTP_URL: sink.url });
    expect(real.stdout).toContain('1 sent');
    expect(sink.seen).toHaveLength(1);
  });

  it('stops at once, using no attempt, when the relay refuses our sender, and sends once it takes it', async () => {
    const { env, db } = store();
    addSubscriber(db, { email: 'cy@example.com', topics: ['zebrafish'] });
    const relay = { refusing: true, asked: 0 };
    const sink = await startSmtpSink({
      onMailFrom: () => {
        relay.asked += 1;
        return relay.refusing ? Object.assign(new Error('5.7.1 sender address not allowed'), { responseCode: 553 }) : null;
      },
    });
    const run = await paperboy(['digest', '--now', NOW], { ...env, SMTP_URL: sink.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^paperboy digest: the SMTP relay refused our login or sender \(.*553.*\); check SMTP_URL's user name and password, and MAIL_FROM/m);
    // Not a digest's fault: none is retried, bounced or failed, and the relay is not asked for every one.
    expect(db.prepare("SELECT status, attempts FROM deliveries WHERE shown > 0").all()).toEqual([
      { status: 'pending', attempts: 0 },
      { status: 'pending', attempts: 0 },
    ]);
    expect(relay.asked).toBeLessThanOrEqual(2);
    expect(db.prepare("SELECT status FROM subscribers ORDER BY id").pluck().all()).toEqual(['active', 'active', 'active']);
    expect(db.prepare("SELECT outcome, error FROM runs").get()).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/refused our login or sender/) });

    relay.refusing = false;
    const again = await paperboy(['digest', '--now', NOW], { ...env, SMTP_URL: sink.url });
    expect(again.code, again.stderr).toBe(0);
    expect(sink.received.map((mail) => mail.envelopeTo[0]).sort()).toEqual(['ada@example.com', 'cy@example.com']);
  });

  it('exits 1 when the relay cannot be reached, keeping the digests for the next run', async () => {
    const { env, db } = store();
    const run = await paperboy(['digest', '--now', NOW], { ...env, SMTP_URL: 'smtp://127.0.0.1:9' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('2 due, 0 sent, 1 skipped (nothing new), 1 retried');
    expect(run.stderr).toContain('paperboy digest: the SMTP relay could not be reached');
    expect(db.prepare("SELECT status, attempts FROM deliveries WHERE shown > 0").all()).toEqual([{ status: 'pending', attempts: 1 }]);
  });

  it.each([
    [['--now', '2026-11-27'], /--now must be an ISO-8601 time with a zone/],
    [['--now', '2026-11-27T08:00:00'], /--now must be an ISO-8601 time with a zone/],
    [['--now', '2026-02-30T08:00:00Z'], /--now must be an ISO-8601 time with a zone/],
    [['--now', '2026-11-27T24:00:00+01:00'], /--now must be an ISO-8601 time with a zone/],
    [['--now', '9999-12-31T23:59:59Z'], /--now must be a time from 1970 to 9998/],
    [['--now', '0000-01-01T00:00:00Z'], /--now must be a time from 1970 to 9998/],
    [['--later'], /Unknown option '--later'/],
    [['tomorrow'], /unexpected argument "tomorrow"/],
  ])('refuses %j with one line and exit code 2', async (args, message) => {
    const { env, count } = store();
    const run = await paperboy(['digest', ...args], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(count('deliveries')).toBe(0);
  });
});

describe('paperboy preview', () => {
  it('writes the digest a subscriber would get now to a file, sending nothing', async () => {
    const { env, count } = store();
    const out = path.join(tempDir(), 'ada.html');
    const run = await paperboy(['preview', '--email', 'Ada@Example.com', '--out', out, '--now', NOW], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('"1 paper on zebrafish" (1 of 1 matching papers)');
    const html = fs.readFileSync(out, 'utf8');
    expect(html).toContain('Zebrafish fins regrow');
    expect(html).toContain('https://paperboy.example.org/unsubscribe?token');
    expect(count('deliveries')).toBe(0);
  });

  it('prints the HTML without --out, and says so when nothing new matches', async () => {
    const { env } = store();
    const html = await paperboy(['preview', '--email', 'ada@example.com', '--now', NOW], env);
    expect(html.stdout).toMatch(/^<!doctype html>/i);
    const nothing = await paperboy(['preview', '--email', 'bob@example.com', '--now', NOW], env);
    expect(nothing.code).toBe(0);
    expect(nothing.stdout).toContain("Nothing new matches bob@example.com's topics for the 2026-11-27 digest: no email would be sent.");
  });

  it('shows the next digest right after one was sent: what came since, under the next day', async () => {
    const { env, db } = store();
    const sink = await startSmtpSink();
    expect((await paperboy(['digest', '--now', NOW], { ...env, SMTP_URL: sink.url })).code).toBe(0);

    const nothing = await paperboy(['preview', '--email', 'ada@example.com', '--now', NOW], env);
    expect(nothing.code, nothing.stderr).toBe(0);
    expect(nothing.stdout).toContain("Nothing new matches ada@example.com's topics for the 2026-11-28 digest");

    storePapers(db, [paper({ title: 'Zebrafish hearts mend' })], new Date('2026-11-27T08:30:00Z'));
    const out = path.join(tempDir(), 'next.html');
    const next = await paperboy(['preview', '--email', 'ada@example.com', '--out', out, '--now', '2026-11-27T09:00:00Z'], env);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain('"1 paper on zebrafish" (1 of 1 matching papers)');
    const html = fs.readFileSync(out, 'utf8');
    expect(html).toContain('Zebrafish hearts mend');
    expect(html).not.toContain('Zebrafish fins regrow');
    expect(html).toMatch(/28 November 2026|November 28/);
  });

  it.each([
    [['--email', 'nobody@example.com'], /^paperboy preview: no subscriber has the address nobody@example.com$/],
    [['--email', 'not-an-address'], /preview needs --email with a subscriber's address/],
    [[], /preview needs --email/],
    [['--email', 'ada@example.com', '--out', '/nonexistent/ada.html'], /^paperboy preview: the folder \/nonexistent does not exist$/],
    [['--email', 'ada@example.com', '--out', '/tmp'], /^paperboy preview: \/tmp is a folder; give --out a file name/],
  ])('refuses %j with exit code 2', async (args, message) => {
    const { env } = store();
    const run = await paperboy(['preview', ...args], env);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(message);
  });
});
