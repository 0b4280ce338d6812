import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';

/** `templates/` at the repository root, from both `src/mail` and `dist/mail`. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

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
 * Compiles `templates/<name>.mjml` to HTML once and returns a Handlebars fill
 * for it. MJML's work (about 25 ms) happens here, once per process; a fill is
 * a string build (about 0.1 ms). Placeholders survive MJML untouched because
 * MJML passes text and attribute values through.
 */
export async function compileMjml<P>(name: string, dir: string = TEMPLATES_DIR): Promise<Fill<P>> {
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
  return handlebars.compile<P>(result.html, STRICT);
}

/**
 * Compiles `templates/<name>.txt.hbs`, the plain-text part. It is not HTML,
 * so nothing is escaped; it never goes into a header.
 */
export function compileText<P>(name: string, dir: string = TEMPLATES_DIR): Fill<P> {
  const source = fs.readFileSync(path.join(dir, `${name}.txt.hbs`), 'utf8');
  return handlebars.compile<P>(source, { ...STRICT, noEscape: true });
}
