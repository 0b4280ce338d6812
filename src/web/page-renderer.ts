import fs from 'node:fs';
import path from 'node:path';
import type { FastifyReply } from 'fastify';
import Handlebars from 'handlebars';
import { PAGES_DIR, withTemplates } from '../paths.js';
import { errorBody, wantsPage } from './negotiation.js';

/** Sends a rendered page as UTF-8 HTML. */
export function sendPage(reply: FastifyReply, html: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').send(html);
}

/**
 * Sends a message page, or, when it answers a refused JSON request, the
 * same words as the JSON error every other route gives: bad input gets an
 * HTML page for a form post and JSON for JSON.
 */
export function sendMessage(reply: FastifyReply, pages: PageRenderer, page: MessagePage): FastifyReply {
  if (reply.statusCode >= 400 && !wantsPage(reply.request)) {
    return reply.send(errorBody(reply.statusCode, page.paragraphs?.[0] ?? page.heading));
  }
  return sendPage(reply, pages.message(page));
}

/** What the generic message page shows. Every string is escaped when rendered. */
export interface MessagePage {
  title: string;
  heading: string;
  paragraphs?: string[];
  details?: Array<{ term: string; value: string }>;
  topics?: string[];
  /** Paragraphs after the topics. */
  notes?: string[];
  /** Buttons, each its own POST form. */
  actions?: Array<{ action: string; label: string; primary?: boolean; fields?: Array<{ name: string; value: string }> }>;
  /** A one-field form that asks for an email address. */
  emailForm?: { action: string; label: string };
  /** Shown as buttons beside the actions: each is something to do next, not more content. */
  links?: Array<{ href: string; label: string }>;
}

/**
 * Server-rendered pages from `templates/pages/*.hbs`, compiled once. Double
 * braces escape every value, so nothing a visitor typed or a source sent can
 * become markup.
 */
export class PageRenderer {
  private readonly pages = new Map<string, Handlebars.TemplateDelegate>();

  constructor(dir: string = PAGES_DIR) {
    withTemplates(dir, () => this.load(dir));
  }

  private load(dir: string): void {
    const handlebars = Handlebars.create();
    handlebars.registerHelper('eq', (a: unknown, b: unknown) => String(a) === String(b));
    // A field's error may hold several problems, one per line (every bad topic, say).
    handlebars.registerHelper('lines', (text: unknown) => String(text ?? '').split('\n'));
    const partials = path.join(dir, 'partials');
    for (const file of fs.readdirSync(partials).filter((name) => name.endsWith('.hbs'))) {
      handlebars.registerPartial(path.basename(file, '.hbs'), fs.readFileSync(path.join(partials, file), 'utf8'));
    }
    for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.hbs'))) {
      // preventIndent: an indented partial must not indent a textarea's text on every save.
      this.pages.set(path.basename(file, '.hbs'), handlebars.compile(fs.readFileSync(path.join(dir, file), 'utf8'), { preventIndent: true }));
    }
  }

  render(name: string, props: object): string {
    const page = this.pages.get(name);
    if (!page) throw new Error(`no page template named ${name}`);
    return page(props);
  }

  message(props: MessagePage): string {
    return this.render('message', { ...props, hasActions: Boolean(props.actions?.length || props.links?.length) });
  }
}
