import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Handlebars from 'handlebars';
import { TEMPLATE_CACHE_DIR, TEMPLATES_DIR } from '../paths.js';

const MJML_VERSION = (createRequire(import.meta.url)('mjml/package.json') as { version: string }).version;
/** Raise it whenever `mjmlToHtml` changes what it makes of a template, so old cache entries are never read. */
const OUTPUT_FORMAT = 5;

export type Fill<P> = (props: P) => string;

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/**
 * The Handlebars instance for emails. `strict` makes a placeholder with no
 * value an error instead of an empty gap in someone's inbox.
 */
const handlebars = Handlebars.create();
const STRICT = { strict: true } as const;

/** `{{position @index}}`: a 1-based position in a list. */
handlebars.registerHelper('position', (index: number) => index + 1);

/**
 * `{{#card}}…{{/card}}` renders its block once per context object and gives
 * the same HTML to every later email that shows the same object. A digest run
 * shares one paper card among all the readers it matched, so most of each
 * email is already rendered. The block may read only its own object's fields
 * (no `@index`, no `../`), and one block only may wrap a given kind of object.
 */
const cards = new WeakMap<object, string>();
handlebars.registerHelper('card', function (this: object, options: Handlebars.HelperOptions) {
  let html = cards.get(this);
  if (html === undefined) {
    html = options.fn(this);
    cards.set(this, html);
  }
  return html;
});

/**
 * Compiles `templates/<name>.mjml` to HTML and returns a Handlebars fill
 * for it. MJML's work (about 25 ms, and loading MJML) happens at most once
 * per template version, thanks to the cache; a fill is a string build (about
 * 0.1 ms). Placeholders survive MJML untouched because MJML passes text and
 * attribute values through.
 */
export async function compileMjml<P>(name: string, dir: string = TEMPLATES_DIR, cacheDir: string = TEMPLATE_CACHE_DIR): Promise<Fill<P>> {
  const cached = path.join(cacheDir, `${name}-${sourceKey(name, dir)}.html`);
  let html: string;
  try {
    html = fs.readFileSync(cached, 'utf8');
  } catch {
    html = await mjmlToHtml(name, dir);
    keep(cached, name, html);
  }
  return handlebars.compile<P>(html, STRICT);
}

/**
 * What the compiled HTML depends on: the template, every partial it may
 * include, the MJML version and how its output is post-processed. Any change gives a new key, so a stale
 * cache entry is never read.
 */
function sourceKey(name: string, dir: string): string {
  const hash = createHash('sha256').update(`mjml ${MJML_VERSION} format ${OUTPUT_FORMAT}\0`);
  const partials = path.join(dir, 'partials');
  const files = [
    path.join(dir, `${name}.mjml`),
    ...(fs.existsSync(partials) ? fs.readdirSync(partials).sort().map((file) => path.join(partials, file)) : []),
  ];
  for (const file of files) hash.update(`${path.relative(dir, file)}\0`).update(fs.readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

const PREVIEW_STYLE = /<div style="display:none;[^"]*">/;

async function mjmlToHtml(name: string, dir: string): Promise<string> {
  const { default: mjml2html } = await import('mjml');
  const filePath = path.join(dir, `${name}.mjml`);
  const result = await mjml2html(fs.readFileSync(filePath, 'utf8'), {
    filePath,
    validationLevel: 'strict',
    keepComments: false,
    // MJML 5 ignores mj-include unless asked; includes stay inside the templates folder.
    ignoreIncludes: false,
    includePath: dir,
    // No web-font import: it would make every open a request to a third party.
    fonts: {},
  });
  if (result.errors.length > 0) {
    throw new TemplateError(`${name}.mjml: ${result.errors.map((e) => e.formattedMessage).join('; ')}`);
  }
  // Indentation is a quarter of MJML's output and means nothing to a mail
  // reader (emails have no <pre>); every byte saved is one less to send.
  // MJML wraps the body in role="article", which is no landmark; one main
  // landmark around it lets a screen reader jump to the content, and the
  // web view of a digest is a page like any other.
  // MJML hides the preview text by painting it white at 1px as well, which
  // spam filters score (text on a light background, invisible font sizes).
  // display:none hides it, and mso-hide:all does for Outlook.
  return result.html
    .replace(/\n[ \t]+/g, '\n')
    .replace(PREVIEW_STYLE, (style: string) => style.replace('color:#ffffff;', '').replace('font-size:1px;', 'mso-hide:all;'))
    .replace(/<body[^>]*>/, '$&<div role="main">')
    .replace(/<\/body>/, '</div></body>');
}

/**
 * Writes a cache entry whole (a rename), or not at all: a read-only install
 * simply compiles each time. Entries for older versions of the template go.
 */
function keep(file: string, name: string, html: string): void {
  try {
    const dir = path.dirname(file);
    fs.mkdirSync(dir, { recursive: true });
    // Unique per writer, threads of one process included, so two never write one file.
    const partial = `${file}.${randomUUID()}.tmp`;
    fs.writeFileSync(partial, html);
    fs.renameSync(partial, file);
    const stale = new RegExp(`^${name}-[0-9a-f]{16}\\.html$`);
    for (const entry of fs.readdirSync(dir)) if (stale.test(entry) && entry !== path.basename(file)) fs.rmSync(path.join(dir, entry), { force: true });
  } catch {
    // Not writable: nothing lost but time.
  }
}

/**
 * Compiles `templates/<name>.txt.hbs`, the plain-text part. It is not HTML,
 * so nothing is escaped; it never goes into a header.
 */
export function compileText<P>(name: string, dir: string = TEMPLATES_DIR): Fill<P> {
  const source = fs.readFileSync(path.join(dir, `${name}.txt.hbs`), 'utf8');
  return handlebars.compile<P>(source, { ...STRICT, noEscape: true });
}
