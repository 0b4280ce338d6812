/**
 * An email's HTML as the template fill left it for sending: the frame (what
 * is this reader's own: heading, topics, footer links) in pieces, between
 * shared blocks (paper cards) that many readers' emails hold the same.
 *
 * A shared block is encoded for the wire once, the first time any email
 * holds it, and then copied as bytes into every other email: per email,
 * only the frame is encoded. That works because base64 of a run of bytes
 * whose length is a multiple of 57 is whole 76-character lines with no
 * padding, so such runs can be laid end to end and still decode as one.
 * Every piece but the last is therefore padded with spaces to a multiple of
 * 57 bytes; blocks sit between elements (inside a table body), where spaces
 * mean nothing to HTML.
 */

export interface SharedBlock {
  /** The block's identity: the same object in two emails is the same HTML. */
  key: object;
  /** Renders its HTML; sending calls it once per key while the key lives. */
  html: () => string;
}

export interface HtmlPieces {
  /** One more than `blocks`: frames[i] comes before blocks[i], the last frame after the last block. */
  frames: string[];
  blocks: SharedBlock[];
}

/** Bytes of input per full base64 line (76 characters). */
const LINE_BYTES = 57;
const CRLF = Buffer.from('\r\n');
const encoded = new WeakMap<object, Buffer>();

/** Base64 in lines of 76, joined by CRLF, with no CRLF at the end. */
export function base64Lines(bytes: Buffer): Buffer {
  const text = Buffer.from(bytes.toString('base64'), 'latin1');
  const lines = Math.ceil(text.length / 76);
  const out = Buffer.allocUnsafe(text.length + Math.max(0, lines - 1) * 2);
  let at = 0;
  for (let i = 0; i < text.length; i += 76) {
    if (i > 0) at += CRLF.copy(out, at);
    at += text.copy(out, at, i, Math.min(i + 76, text.length));
  }
  return out;
}

/** UTF-8 bytes padded with spaces to whole base64 lines. */
function padded(html: string): Buffer {
  const length = Buffer.byteLength(html, 'utf8');
  const bytes = Buffer.alloc(Math.ceil(length / LINE_BYTES) * LINE_BYTES, 0x20);
  bytes.write(html, 0, 'utf8');
  return bytes;
}

function sharedLines(block: SharedBlock): Buffer {
  let lines = encoded.get(block.key);
  if (!lines) {
    lines = base64Lines(padded(block.html()));
    encoded.set(block.key, lines);
  }
  return lines;
}

/** The pieces as one base64 body (lines of 76, CRLF between, none at the end). */
export function encodePieces({ frames, blocks }: HtmlPieces): Buffer {
  const parts: Buffer[] = [];
  const add = (lines: Buffer) => {
    if (lines.length === 0) return;
    if (parts.length > 0) parts.push(CRLF);
    parts.push(lines);
  };
  blocks.forEach((block, i) => {
    add(base64Lines(padded(frames[i]!)));
    add(sharedLines(block));
  });
  add(base64Lines(Buffer.from(frames[frames.length - 1]!, 'utf8')));
  return Buffer.concat(parts);
}

/** The HTML a reader's mail client decodes from `encodePieces`, padding included. */
export function joinPieces({ frames, blocks }: HtmlPieces): string {
  const pad = (html: string) => html + ' '.repeat((LINE_BYTES - (Buffer.byteLength(html, 'utf8') % LINE_BYTES)) % LINE_BYTES);
  return blocks.map((block, i) => pad(frames[i]!) + pad(block.html())).join('') + frames[frames.length - 1]!;
}
