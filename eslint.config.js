import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/*
 * Which parts of src/ may import which: dependencies point one way, along the
 * data flow (sources -> ingest -> papers -> match -> rank -> plan -> render
 * -> send -> record), from the edges (routes, jobs, CLI) through services to
 * repositories, mail and the database.
 *
 *   leaves         config, errors, text, word-forms, logger, paths: import only
 *                  each other;
 *                  every folder may use them (db only `paths` and `errors`)
 *   db             the connection and migrations: nothing of the app
 *   papers         the store, ingest (with abbreviation mining) and sources: db
 *   topics         the topic grammar, expansion and the FTS5 matcher: db, papers
 *                  (the mined definitions; matching reads what ingest stored)
 *   mail           templates, MIME, transports, outbox: db (for its own queue
 *                  tables); never papers, topics, ranking, subscriptions, digest
 *   ranking        search and scoring: papers, topics
 *   subscriptions  subscribers, tokens, the lifecycle: db, topics, mail
 *   feedback       readers' "more/less like this" choices and the linear
 *                  model fitted from them: db, papers (the paper vectors),
 *                  ranking (the score it adjusts)
 *   digest         planning, the ledger, sending: db, papers, topics, ranking,
 *                  subscriptions, feedback, mail
 *   bounces        reports of later bounces and complaints (DSN, ARF, SES,
 *                  Postmark) and what they do: db, subscriptions, mail
 *   runs           the run history every digest and ingest run writes: db
 *                  (papers and digest record their runs in it)
 *   stats          read-only counts for the dashboard and metrics: db,
 *                  subscriptions
 *   metrics        the Prometheus registry and /metrics: runs, stats, mail
 *   retention      pruning old ledger rows, queued emails, runs and outbox
 *                  files, and a reader's data export: runs, papers,
 *                  subscriptions, feedback, digest, mail
 *   web            routes and pages: papers, ranking, subscriptions, feedback,
 *                  digest, bounces, of retention only the data export, and
 *                  of mail only the outbox (its development viewer); never db:
 *                  a route asks a repository or a service. A route file never
 *                  imports another route file.
 *   admin          the operator's console: db, runs, stats, subscriptions,
 *                  digest, and of web only the page renderer and rate limits
 *   cli            commands: everything above but web, plus the wiring
 *                  (services.ts, store.ts)
 *   roots          services.ts wires every service and never imports web or
 *                  cli; store.ts opens the database (db, papers); app.ts builds
 *                  the HTTP app (services, web, db); server.ts runs the process
 *                  and cli.ts the commands. Nothing imports server.ts or cli.ts,
 *                  and only server.ts imports app.ts.
 *   outside src    src never imports test/, scripts/, bench/ or seeds/.
 *   test/kit       fixtures and tools the tests, drills and benchmark share:
 *                  src only. test/helpers never imports scripts/ or bench/;
 *                  scripts/ and bench/ use test/kit, never the rest of test/.
 *
 * The rules match import paths as written: `(../)+web/` is src/web from any
 * depth, since no folder inside src/ reuses a top-level name. A new folder
 * under src/ needs its row in FOLDERS and FOLDER_IMPORTS, or nothing checks it.
 */
const LEAVES = ['config', 'errors', 'text', 'word-forms', 'logger', 'paths'];
const FOLDERS = ['db', 'runs', 'papers', 'topics', 'mail', 'ranking', 'subscriptions', 'feedback', 'digest', 'bounces', 'stats', 'metrics', 'retention', 'web', 'admin', 'cli'];
const ROOTS = ['app', 'services', 'server', 'cli', 'store'];

/** What each folder of src/ may import besides itself. */
const FOLDER_IMPORTS = {
  db: ['paths', 'errors'],
  runs: [...LEAVES, 'db'],
  papers: [...LEAVES, 'db', 'runs'],
  topics: [...LEAVES, 'db', 'papers'],
  mail: [...LEAVES, 'db'],
  ranking: [...LEAVES, 'papers', 'topics'],
  subscriptions: [...LEAVES, 'db', 'topics', 'mail'],
  feedback: [...LEAVES, 'db', 'papers', 'ranking'],
  digest: [...LEAVES, 'db', 'runs', 'papers', 'topics', 'ranking', 'subscriptions', 'feedback', 'mail'],
  bounces: [...LEAVES, 'db', 'subscriptions', 'mail'],
  stats: [...LEAVES, 'db', 'subscriptions'],
  metrics: [...LEAVES, 'runs', 'stats', 'mail'],
  retention: [...LEAVES, 'runs', 'papers', 'subscriptions', 'feedback', 'digest', 'mail'],
  web: [...LEAVES, 'papers', 'ranking', 'subscriptions', 'feedback', 'digest', 'retention/data-export', 'bounces', 'mail/outbox'],
  admin: [...LEAVES, 'db', 'runs', 'stats', 'subscriptions', 'digest', 'web/page-renderer', 'web/rate-limit'],
  cli: [...LEAVES, 'db', 'runs', 'papers', 'topics', 'ranking', 'subscriptions', 'feedback', 'digest', 'bounces', 'retention', 'admin/password', 'mail', 'services', 'store'],
};

/** What each file at the top of src/ may import. */
const ROOT_IMPORTS = {
  ...Object.fromEntries(LEAVES.map((leaf) => [leaf, LEAVES])),
  store: [...LEAVES, 'db', 'papers'],
  services: [...LEAVES, 'db', 'runs', 'papers', 'topics', 'mail', 'ranking', 'subscriptions', 'feedback', 'digest', 'bounces', 'stats', 'metrics', 'retention', 'admin'],
  app: [...LEAVES, 'db', 'services', 'web', 'admin', 'metrics'],
  server: [...LEAVES, 'db', 'papers', 'topics', 'mail', 'ranking', 'subscriptions', 'digest', 'bounces', 'retention', 'web', 'app', 'services', 'store'],
  cli: [...LEAVES, 'cli'],
};

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Patterns for no-restricted-imports that refuse every module of src/ not in `allowed`, as written from `prefix`. */
function refuse(where, allowed, prefix) {
  // `folder/module`: that one module of a folder that is otherwise refused.
  const single = (folder) => allowed.filter((name) => name.startsWith(`${folder}/`)).map((name) => `${escape(name.slice(folder.length + 1))}\\.js$`);
  const folders = FOLDERS.filter((name) => !allowed.includes(name) && `src/${name}` !== where).map((name) =>
    single(name).length > 0 ? `${escape(name)}/(?!${single(name).join('|')})` : `${escape(name)}/`,
  );
  const roots = [...new Set([...LEAVES, ...ROOTS])].filter((name) => !allowed.includes(name) && `src/${name}.ts` !== where);
  const patterns = [];
  if (folders.length > 0) {
    patterns.push({
      regex: `^${prefix}(${folders.join('|')})`,
      message: `${where} may import only ${allowed.join(', ') || 'its own files'} of the app (see the layer rules in eslint.config.js).`,
    });
  }
  if (roots.length > 0) {
    patterns.push({
      regex: `^${prefix}(${roots.map(escape).join('|')})\\.js$`,
      message: `${where} may import only ${allowed.join(', ') || 'its own files'} of the app (see the layer rules in eslint.config.js).`,
    });
  }
  return patterns;
}

const OUTSIDE_SRC = {
  regex: '^(\\.\\./)+(test|scripts|bench|seeds)/',
  message: 'src never imports test/, scripts/, bench/ or seeds/: they depend on src, not the other way.',
};

const restrict = (files, patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } });

const layerRules = [
  ...Object.entries(ROOT_IMPORTS).map(([name, allowed]) => restrict([`src/${name}.ts`], [...refuse(`src/${name}.ts`, allowed, '\\./'), OUTSIDE_SRC])),
  ...Object.entries(FOLDER_IMPORTS).map(([name, allowed]) =>
    restrict([`src/${name}/**/*.ts`], [...refuse(`src/${name}`, allowed, '(\\.\\./)+'), OUTSIDE_SRC]),
  ),
  restrict(
    ['src/web/**/*.routes.ts'],
    [
      ...refuse('src/web', FOLDER_IMPORTS.web, '(\\.\\./)+'),
      OUTSIDE_SRC,
      { regex: '^\\./[^/]+\\.routes\\.js$', message: 'A route file never imports another; move what both need into its own module in src/web.' },
    ],
  ),
  restrict(
    ['test/kit/**/*.ts'],
    [{ regex: '^(\\.\\./)+(helpers|unit|integration|e2e|scripts|bench)/', message: 'test/kit is shared by tests, scripts and the benchmark: it imports only src.' }],
  ),
  restrict(
    ['test/helpers/**/*.ts'],
    [{ regex: '^(\\.\\./)+(scripts|bench)/', message: 'test/helpers never imports scripts/ or bench/; share code through test/kit.' }],
  ),
  restrict(
    ['scripts/**/*.ts'],
    [{ regex: '^(\\.\\./)+(test/(?!kit/)|bench/)', message: 'scripts/ use test/kit, never the rest of test/ or bench/.' }],
  ),
  restrict(
    ['bench/**/*.ts'],
    [{ regex: '^(\\.\\./)+(test/(?!kit/)|scripts/)', message: 'bench/ uses test/kit, never the rest of test/ or scripts/.' }],
  ),
];

export default tseslint.config(
  // Mutation testing copies the whole project into .stryker-tmp while it runs.
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', '.stryker-tmp/', 'reports/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read settings from src/config.ts, which parses process.env once.' },
      ],
    },
  },
  ...layerRules,
  {
    files: ['src/**/*.ts'],
    ignores: ['src/db/write-transaction.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='transaction']",
          message:
            'Use writeTransaction (src/db/write-transaction.ts): a deferred BEGIN that reads before it writes fails with SQLITE_BUSY when another process writes.',
        },
      ],
    },
  },
  {
    // The pages' own script runs in browsers, without a build step.
    files: ['templates/assets/**/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'script' },
  },
  {
    files: ['src/config.ts', 'test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
