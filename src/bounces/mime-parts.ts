/**
 * Just enough MIME to read a report (RFC 6522 multipart/report): header
 * blocks and the parts of a multipart body. mailparser folds the
 * `message/delivery-status` part into the text and inlines
 * `message/rfc822`, which loses exactly the fields a bounce handler needs.
 */

export type HeaderBlock = Map<string, string[]>;

export interface MimeEntity {
  headers: HeaderBlock;
  /** The body after transfer decoding, as latin1-safe text. */
  body: string;
}

/** Splits `text` at its first blank line into headers and body. */
export function splitEntity(text: string): { head: string; body: string } {
  const match = /\r?\n\r?\n/.exec(text);
  if (!match) return { head: text, body: '' };
  return { head: text.slice(0, match.index), body: text.slice(match.index + match[0].length) };
}

/** Header fields, unfolded, by lower-case name; values keep their order. */
export function parseHeaders(head: string): HeaderBlock {
  const headers: HeaderBlock = new Map();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, [...(headers.get(name) ?? []), value]);
  }
  return headers;
}

export function header(headers: HeaderBlock, name: string): string | null {
  return headers.get(name)?.[0] ?? null;
}

/** `multipart/report; boundary="x"` → { type: 'multipart/report', params: { boundary: 'x' } } */
export function contentType(headers: HeaderBlock): { type: string; params: Record<string, string> } {
  const value = header(headers, 'content-type') ?? 'text/plain';
  const [type = 'text/plain', ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const param of rest.join(';').matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/g)) {
    params[param[1]!.toLowerCase()] = param[2] !== undefined ? param[2].replace(/\\(.)/g, '$1') : param[3]!;
  }
  return { type: type.trim().toLowerCase(), params };
}

function decode(body: string, encoding: string | null): string {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('latin1');
    case 'quoted-printable':
      return body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    default:
      return body;
  }
}

/** Parses one entity (a whole message or a part). */
export function parseEntity(text: string): MimeEntity {
  const { head, body } = splitEntity(text);
  const headers = parseHeaders(head);
  return { headers, body: decode(body, header(headers, 'content-transfer-encoding')) };
}

/** The parts of a multipart entity, in order; empty for anything else. */
export function parts(entity: MimeEntity): MimeEntity[] {
  const { type, params } = contentType(entity.headers);
  if (!type.startsWith('multipart/') || !params.boundary) return [];
  const delimiter = `--${params.boundary}`;
  const found: MimeEntity[] = [];
  const chunks = entity.body.split(delimiter);
  // chunks[0] is the preamble; a chunk starting with "--" is the closing delimiter and what follows it.
  for (const chunk of chunks.slice(1)) {
    if (chunk.startsWith('--')) break;
    found.push(parseEntity(chunk.replace(/^[ \t]*\r?\n/, '').replace(/\r?\n$/, '')));
  }
  return found;
}

/** Depth-first: the first entity (the message itself included) whose content type is `type`. */
export function findPart(entity: MimeEntity, type: string, depth = 0): MimeEntity | null {
  if (contentType(entity.headers).type === type) return entity;
  if (depth > 5) return null;
  for (const part of parts(entity)) {
    const found = findPart(part, type, depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * The field groups of a `message/delivery-status` or `message/feedback-report`
 * body: blocks separated by blank lines, each parsed like a header block.
 */
export function fieldGroups(body: string): HeaderBlock[] {
  return body
    .split(/\r?\n[ \t]*\r?\n/)
    .map((block) => parseHeaders(block))
    .filter((block) => block.size > 0);
}
