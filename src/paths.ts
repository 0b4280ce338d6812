import { fileURLToPath } from 'node:url';
import { EnvironmentError } from './errors.js';

// The repository's own folders, found from this file so that `src/` (tsx)
// and `dist/` (the build) resolve them alike. They live here, not in the
// module that reads them first, so that reading a folder never means
// importing another layer's code.
const fromRoot = (relative: string) => fileURLToPath(new URL(`../${relative}`, import.meta.url));

/** Email templates (`*.mjml`, `*.txt.hbs`), with the pages and their assets below. */
export const TEMPLATES_DIR = fromRoot('templates/');
export const PAGES_DIR = fromRoot('templates/pages/');
export const ASSETS_DIR = fromRoot('templates/assets/');

/**
 * Compiled MJML, kept between processes. MJML costs about half a second and
 * 60 MB of memory to load, so a process whose templates are cached never
 * loads it: a CLI run starts faster, and a digest run stays small.
 */
export const TEMPLATE_CACHE_DIR = fromRoot('.template-cache/');

/** Numbered, forward-only SQL files. */
export const MIGRATIONS_DIR = fromRoot('migrations/');

/** `seeds/papers.json`, generated from the seed page by `seeds/generate.ts`. */
export const SEED_FILE = fromRoot('seeds/papers.json');

/**
 * Reads the templates with `read`; a missing file means a broken install,
 * which the operator fixes, so it is reported as one line rather than a stack.
 */
export function withTemplates<T>(dir: string, read: () => T): T {
  const explain = (err: unknown) => {
    const { code, path: missing } = err as NodeJS.ErrnoException;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return err;
    return new EnvironmentError(
      `the templates folder ${dir} is missing or incomplete (no ${missing ?? 'file'}): the install is broken; reinstall paperboy, or copy templates/ beside dist/`,
    );
  };
  try {
    const result = read();
    return (result instanceof Promise ? result.catch((err: unknown) => Promise.reject(explain(err))) : result) as T;
  } catch (err) {
    throw explain(err);
  }
}
