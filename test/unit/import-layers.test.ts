import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run.js';

// The same configuration `npm run lint` uses. Each case lints one import as if
// it were a new file at a path inside the repository; no file is written.
const eslint = new ESLint({ cwd: ROOT });

async function layerErrors(file: string, specifier: string, kind: 'value' | 'type' = 'value'): Promise<string[]> {
  const source = kind === 'type' ? `import type * as m from '${specifier}';\nexport type T = typeof m;\n` : `export * from '${specifier}';\n`;
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) });
  return result!.messages.filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

describe('layer rules in eslint.config.js', () => {
  // The four imports that broke the one-way rule before it was checked, then the rest of the table.
  it.each([
    ['the CLI reading a web route', 'src/cli/new.command.ts', '../web/matches.routes.js'],
    ['a route importing another route', 'src/web/new.routes.ts', './subscribe.routes.js'],
    ['a page reaching into mail for a path', 'src/web/page-renderer.ts', '../mail/template-compiler.js'],
    ['test helpers importing scripts', 'test/helpers/new.ts', '../../scripts/two-day-demo.js'],
    ['scripts reading the test helpers', 'scripts/new.ts', '../test/helpers/sources.js'],
    ['db importing the papers', 'src/db/new.ts', '../papers/paper.js'],
    ['db importing a leaf other than paths and errors', 'src/db/new.ts', '../text.js'],
    ['mail importing the digest', 'src/mail/new.ts', '../digest/digest-view.js'],
    ['mail importing subscriptions', 'src/mail/new.ts', '../subscriptions/subscriber.js'],
    ['mail importing web', 'src/mail/new.ts', '../web/page-renderer.js'],
    ['papers importing topics', 'src/papers/new.ts', '../topics/topic-grammar.js'],
    ['a source, one folder deeper, importing ranking', 'src/papers/sources/new.source.ts', '../../ranking/rank.js'],
    ['topics importing ranking', 'src/topics/new.ts', '../ranking/rank.js'],
    ['papers importing the admin console', 'src/papers/new.ts', '../admin/admin.service.js'],
    ['bounces importing the digest', 'src/bounces/new.ts', '../digest/digest-sender.js'],
    ['ranking querying the database', 'src/ranking/new.ts', '../db/connection.js'],
    ['subscriptions importing the digest', 'src/subscriptions/new.ts', '../digest/local-time.js'],
    ['the digest importing web', 'src/digest/new.ts', '../web/page-renderer.js'],
    ['the digest importing the composition root', 'src/digest/new.ts', '../services.js'],
    ['a route running SQL', 'src/web/new.routes.ts', '../db/connection.js'],
    ['a route importing the app', 'src/web/new.routes.ts', '../app.js'],
    ['anything importing server.ts', 'src/cli/new.command.ts', '../server.js'],
    ['services.ts importing web', 'src/services.ts', './web/page-renderer.js'],
    ['store.ts importing mail', 'src/store.ts', './mail/mailer.js'],
    ['a leaf importing a folder', 'src/text.ts', './topics/topic-grammar.js'],
    ['src importing the tests', 'src/papers/new.ts', '../../test/kit/random.js'],
    ['src importing the scripts', 'src/app.ts', '../scripts/two-day-demo.js'],
    ['test/kit importing the helpers', 'test/kit/new.ts', '../helpers/app.js'],
    ['the benchmark importing scripts', 'bench/new.ts', '../scripts/crash-drill.js'],
    ['the reader models importing the digest', 'src/feedback/new.ts', '../digest/digest-planner.js'],
    ['the reader models importing subscriptions', 'src/feedback/new.ts', '../subscriptions/subscriber.js'],
    ['a route reaching the retention jobs beyond the data export', 'src/web/new.routes.ts', '../retention/prune.service.js'],
  ])('rejects %s', async (_what, file, specifier) => {
    const errors = await layerErrors(file, specifier);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/may import only|never imports|imports only|use test\/kit|uses test\/kit|never imports another/);
  });

  it('rejects a type-only import as well: a type is a dependency too', async () => {
    expect(await layerErrors('src/mail/new.ts', '../digest/digest-view.js', 'type')).toHaveLength(1);
  });

  it.each([
    ['the CLI reading the match limit beside the search', 'src/cli/new.command.ts', '../ranking/paper-search.js'],
    ['a route using the shared rate-limit config', 'src/web/new.routes.ts', './rate-limit.js'],
    ['the outbox viewer reading the outbox', 'src/web/new.routes.ts', '../mail/outbox.js'],
    ['a route asking the paper repository', 'src/web/new.routes.ts', '../papers/paper.repository.js'],
    ['db finding the migrations folder', 'src/db/new.ts', '../paths.js'],
    ['db raising a shared error', 'src/db/new.ts', '../errors.js'],
    ['topics reading the definitions ingest mined', 'src/topics/new.ts', '../papers/abbreviation.repository.js'],
    ['the digest recording its run', 'src/digest/new.ts', '../runs/run-history.js'],
    ['a source reading the paper model', 'src/papers/sources/new.source.ts', '../paper.js'],
    ['a source using a leaf from two folders down', 'src/papers/sources/new.source.ts', '../../errors.js'],
    ['the digest using ranking', 'src/digest/new.ts', '../ranking/rank.js'],
    ['subscriptions sending mail', 'src/subscriptions/new.ts', '../mail/mailer.js'],
    ['the CLI opening the store', 'src/cli/new.command.ts', '../store.js'],
    ['app.ts wiring the routes', 'src/app.ts', './web/health.routes.js'],
    ['test helpers using the kit', 'test/helpers/new.ts', '../kit/smtp-sink.js'],
    ['scripts using the kit', 'scripts/new.ts', '../test/kit/drill-store.js'],
    ['the benchmark using the kit', 'bench/new.ts', '../test/kit/random.js'],
    ['a test exercising a drill script', 'test/integration/new.test.ts', '../../scripts/crash-drill.js'],
    ['the digest ranking with readers\' models', 'src/digest/new.ts', '../feedback/personal-ranking.js'],
    ['a route recording feedback', 'src/web/new.routes.ts', '../feedback/feedback.service.js'],
    ['a route exporting a reader\'s data', 'src/web/new.routes.ts', '../retention/data-export.js'],
  ])('accepts %s', async (_what, file, specifier) => {
    expect(await layerErrors(file, specifier)).toEqual([]);
  });

  it('holds for every file in src today', async () => {
    const results = await eslint.lintFiles(['src']);
    const broken = results.flatMap((result) =>
      result.messages
        .filter((message) => message.ruleId === 'no-restricted-imports')
        .map((message) => `${path.relative(ROOT, result.filePath)}:${message.line}: ${message.message}`),
    );
    expect(results.length).toBeGreaterThan(50);
    expect(broken).toEqual([]);
  }, 120_000);
});

describe('write transactions in src', () => {
  async function transactionErrors(file: string, source: string): Promise<string[]> {
    const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) });
    return result!.messages.filter((message) => message.ruleId === 'no-restricted-syntax').map((message) => message.message);
  }
  const deferred = "import type { Db } from '../db/connection.js';\nexport const save = (db: Db) => db.transaction(() => db.exec('SELECT 1'))();\n";

  it('refuses a deferred db.transaction, which fails when another process writes between its read and its write', async () => {
    const errors = await transactionErrors('src/papers/new.repository.ts', deferred);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/writeTransaction/);
  });

  it('leaves the tests free to open transactions of their own', async () => {
    expect(await transactionErrors('test/integration/new.test.ts', deferred)).toEqual([]);
  });
});
