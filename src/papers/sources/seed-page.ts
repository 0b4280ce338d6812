import { createHash } from 'node:crypto';
import { UserError } from '../../errors.js';
import { emptyPaper, type PaperInput } from '../paper.js';

/** The saved page is not the trending-papers page this parser knows; whoever saved it can fetch it again. */
export class SeedPageError extends UserError {
  override name = 'SeedPageError';
}

/** A paper read from a saved "trending papers" page, before ingest. */
export interface SeedPaper {
  id: string;
  title: string;
  abstract: string;
  codeUrl: string | null;
  projectUrl: string | null;
}

// The page's fixed chrome. Checking it catches a dump of some other page, or
// one whose header changed shape, before we pair its paragraphs off wrongly.
const HEADER = ['new', 'Get trending papers in your email inbox!', 'Subscribe', 'byAK and the research community'];
const HEADER_DATE = /^[A-Z][a-z]{2} \d{1,2}$/;

const CODE_HOSTS = ['github.com', 'gitlab.com', 'bitbucket.org', 'codeberg.org', 'huggingface.co'];

// Authors sometimes cite a repository without its scheme ("github.com/foo/bar");
// a bare host is only taken as a link when it is www.* or a code host with a path,
// so prose like "huggingface.co" on its own is left alone.
const URL_PATTERN = new RegExp(
  String.raw`(?<![\w.@/-])(?:https?://|(?=www\.|(?:${CODE_HOSTS.map((h) => h.replace(/\./g, '\\.')).join('|')})/))[^\s<>"]+`,
  'gi',
);

// Sentence punctuation glued to the end of a URL ("see https://github.com/a/b.").
const TRAILING_PUNCTUATION = `.,;:!?'*`;

interface Paragraph {
  text: string;
  line: number;
}

export function parseSeedPage(text: string): SeedPaper[] {
  const paragraphs = splitParagraphs(text);

  HEADER.forEach((expected, i) => {
    const got = paragraphs[i];
    if (got?.text !== expected) {
      throw new SeedPageError(`seed page header: expected paragraph ${i + 1} to be "${expected}", got ${describe(got)}`);
    }
  });
  const date = paragraphs[HEADER.length];
  if (date === undefined || !HEADER_DATE.test(date.text)) {
    throw new SeedPageError(`seed page header: expected a date like "Mar 17" as paragraph ${HEADER.length + 1}, got ${describe(date)}`);
  }

  const body = paragraphs.slice(HEADER.length + 1);
  if (body.length === 0) throw new SeedPageError('seed page: no papers after the header');

  const papers: SeedPaper[] = [];
  const titleById = new Map<string, string>();
  for (let i = 0; i < body.length; i += 2) {
    const title = body[i];
    const abstract = body[i + 1];
    const n = i / 2 + 1;
    if (title === undefined) break;
    if (abstract === undefined) {
      throw new SeedPageError(
        `seed page: ${body.length} paragraphs after the header is an odd number, so they do not pair up into ` +
          `titles and abstracts; one is missing or a stray one was added. Unpaired last paragraph: ${describe(title)}`,
      );
    }
    // A dropped or stray paragraph shifts every later pair, which puts an
    // abstract in the title slot; abstracts are always much longer than titles.
    if (abstract.text.length <= title.text.length) {
      throw new SeedPageError(
        `seed page paper ${n}: its abstract (${abstract.text.length} chars) is not longer than its title ` +
          `(${title.text.length} chars), so a paragraph is probably missing or extra at or before this point. ` +
          `Title: ${describe(title)}; abstract: ${describe(abstract)}`,
      );
    }
    const id = seedId(title.text);
    const clash = titleById.get(id);
    if (clash !== undefined) {
      throw new SeedPageError(`seed page paper ${n} (line ${title.line}): id ${id} of "${title.text}" is already used by "${clash}"`);
    }
    titleById.set(id, title.text);
    papers.push({ id, title: title.text, abstract: abstract.text, ...classifyLinks(extractUrls(abstract.text)) });
  }
  return papers;
}

/**
 * The day the seed page shows ("Mar 17"). The page gives no year; its newest
 * paper (COSMOS, arXiv 2502.x) places it in 2025. Its papers carry no dates
 * of their own, and an undated paper would otherwise age from the moment it
 * was stored and rank as brand new.
 */
export const SEED_PAGE_DATE = '2025-03-17T00:00:00.000Z';

export function seedPaperToInput(p: SeedPaper): PaperInput {
  return { ...emptyPaper(p.id, 'seed', p.title), abstract: p.abstract, publishedAt: SEED_PAGE_DATE, codeUrl: p.codeUrl, projectUrl: p.projectUrl };
}

// Seed papers have no arXiv id; hashing the normalised title keeps the id
// stable across re-dumps that only change case or spacing.
function seedId(title: string): string {
  const key = title.toLowerCase().replace(/\s+/g, ' ').trim();
  return `seed-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

// Each title and abstract is one line; a paragraph running onto a second line
// means the dump was wrapped or two paragraphs lost their blank line, and
// joining them would silently glue a title onto its abstract.
function splitParagraphs(text: string): Paragraph[] {
  const paragraphs: Paragraph[] = [];
  let afterBlank = true;
  text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .forEach((raw, i) => {
      const line = raw.trim();
      if (line === '') {
        afterBlank = true;
        return;
      }
      if (!afterBlank) {
        throw new SeedPageError(
          `seed page line ${i + 1}: a paragraph continues onto a second line; expected every title and abstract ` +
            `on a single line with a blank line between them. Line: ${JSON.stringify(snippet(line))}`,
        );
      }
      paragraphs.push({ text: line, line: i + 1 });
      afterBlank = false;
    });
  return paragraphs;
}

function extractUrls(abstract: string): string[] {
  const urls: string[] = [];
  for (const [match] of abstract.matchAll(URL_PATTERN)) {
    const trimmed = trimTrailingPunctuation(match);
    const url = /^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
    if (URL.canParse(url) && new URL(url).hostname.includes('.')) urls.push(url);
  }
  return urls;
}

// A closing bracket ends the URL only when it has no partner inside it, so
// "https://en.wikipedia.org/wiki/Foo_(bar)" keeps its parenthesis.
function trimTrailingPunctuation(url: string): string {
  let end = url.length;
  for (;;) {
    const ch = url[end - 1];
    if (ch === undefined) break;
    if (ch === ')' || ch === ']' || ch === '}') {
      const open = { ')': '(', ']': '[', '}': '{' }[ch];
      const kept = url.slice(0, end);
      if (kept.split(open).length >= kept.split(ch).length) break;
    } else if (!TRAILING_PUNCTUATION.includes(ch)) {
      break;
    }
    end--;
  }
  return url.slice(0, end);
}

function classifyLinks(urls: string[]): Pick<SeedPaper, 'codeUrl' | 'projectUrl'> {
  const isCode = (url: string) => CODE_HOSTS.includes(new URL(url).hostname.replace(/^www\./, ''));
  return { codeUrl: urls.find(isCode) ?? null, projectUrl: urls.find((u) => !isCode(u)) ?? null };
}

function describe(p: Paragraph | undefined): string {
  return p === undefined ? 'end of page' : `${JSON.stringify(snippet(p.text))} (line ${p.line})`;
}

function snippet(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
