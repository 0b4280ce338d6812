import { randomBytes } from 'node:crypto';
import { domainToASCII } from 'node:url';
import addressparser from 'nodemailer/lib/addressparser';
import { encodeWord, encodeWords, foldLines } from 'nodemailer/lib/mime-funcs';

/** A message to build: every header value is one line (the mailer checks that first). */
export interface MimeParts {
  from: string;
  to: string;
  subject: string;
  messageId: string;
  date: Date;
  headers: Readonly<Record<string, string>>;
  text: string;
  html: string;
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;
export const isAscii = (value: string) => ASCII.test(value);
const PLAIN_NAME = /^[\w ']*$/;
const PRINTABLE = /^[\x20-\x7e]*$/;

/** Boundaries are unique per process and per message, and never appear in base64. */
const BOUNDARY_PREFIX = `=_paperboy_${randomBytes(9).toString('base64url')}`;
let boundaries = 0;

/** Base64 of `bytes` bytes, in lines of 76 joined by CRLF. */
const base64Length = (bytes: number) => {
  const encoded = 4 * Math.ceil(bytes / 3);
  return encoded + 2 * Math.max(0, Math.ceil(encoded / 76) - 1);
};

/**
 * A reusable buffer for each body's UTF-8 on its way into the message,
 * grown to the largest body seen: a run encodes a hundred thousand bodies
 * of the same few tens of kilobytes, and a fresh buffer each time was
 * memory outside the JavaScript heap that only a garbage collection gave
 * back.
 */
let utf8 = Buffer.allocUnsafe(64 * 1024);

/**
 * Writes `text` (of `bytes` UTF-8 bytes) as base64 in lines of 76 into `out`
 * at `at`; returns where it ended. The base64 goes in as one run, then each
 * line, from the last, moves up by the line breaks before it: one native
 * move per line, where copying line by line (a view per copy) took twice
 * as long and made garbage.
 */
function writeBase64Lines(out: Buffer, at: number, text: string, bytes: number): number {
  if (bytes > utf8.length) utf8 = Buffer.allocUnsafe(Math.max(bytes, utf8.length * 2));
  utf8.write(text, 0, 'utf8');
  const length = out.write(utf8.toString('base64', 0, bytes), at, 'latin1');
  const lines = Math.ceil(length / 76);
  for (let line = lines - 1; line > 0; line -= 1) {
    const from = at + line * 76;
    const to = from + 2 * line;
    out.copyWithin(to, from, Math.min(from + 76, at + length));
    out[to - 2] = 0x0d;
    out[to - 1] = 0x0a;
  }
  return at + length + 2 * Math.max(0, lines - 1);
}

/** A body part's own headers, its text, and the text's length in UTF-8. */
interface Part {
  headers: string;
  body: string;
  bytes: number;
}

/**
 * A body part, always base64. Measured per message: a third smaller as
 * 7-bit HTML with entities, but three times slower to produce from the wide
 * strings a template fill makes; and about twice as fast as nodemailer's
 * quoted-printable.
 */
function bodyPart(type: string, body: string): Part {
  return { headers: `Content-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n`, body, bytes: Buffer.byteLength(body, 'utf8') };
}

/** A header value in 7-bit: non-ASCII words as RFC 2047 encoded words. */
function headerValue(value: string): string {
  return ASCII.test(value) ? value : encodeWords(value, 'Q', 52);
}

function displayName(name: string): string {
  if (PLAIN_NAME.test(name)) return name;
  if (PRINTABLE.test(name)) return `"${name.replace(/([\\"])/g, '\\$1')}"`;
  return encodeWord(name, 'Q', 52);
}

function asciiAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? address : `${address.slice(0, at + 1)}${domainToASCII(address.slice(at + 1)) || address.slice(at + 1)}`;
}

/** The bare address of a From such as `paperboy <digest@example.org>`, for the SMTP envelope. */
export function envelopeAddress(from: string): string {
  const [first] = addressparser(from, { flatten: true });
  return asciiAddress(first?.address || from);
}

/** An address alone, with nothing a parser would need to take apart: a subscriber's, as the form accepts it. */
const BARE_ADDRESS = /^[^\s<>",;:()[\]\\@]+@[^\s<>",;:()[\]\\@]+$/;

/** Every message of a run has the same From: parsed once, and again only if it changes. */
let lastFrom = { value: '', header: '' };

function mailbox(value: string): string {
  if (BARE_ADDRESS.test(value)) return asciiAddress(value);
  const [first] = addressparser(value, { flatten: true });
  if (!first?.address) return asciiAddress(value);
  return first.name ? `${displayName(first.name)} <${asciiAddress(first.address)}>` : asciiAddress(first.address);
}

function fromHeader(from: string): string {
  if (lastFrom.value !== from) lastFrom = { value: from, header: mailbox(from) };
  return lastFrom.header;
}

/** "Fri, 27 Nov 2026 08:00:00 +0000" */
const rfc5322Date = (date: Date) => date.toUTCString().replace(/GMT$/, '+0000');

/**
 * Builds the whole message, a text and an HTML alternative, as the bytes
 * SMTP carries. Doing it here instead of through nodemailer's composer is
 * about ten times cheaper per message, which matters when a run sends a
 * hundred thousand; nodemailer still does the SMTP, the pooling and DKIM.
 */
export function buildMessage(parts: MimeParts): Buffer {
  boundaries += 1;
  const boundary = `${BOUNDARY_PREFIX}_${boundaries.toString(36)}`;
  const headers = [
    `From: ${fromHeader(parts.from)}`,
    `To: ${mailbox(parts.to)}`,
    `Subject: ${headerValue(parts.subject)}`,
    `Message-ID: ${parts.messageId}`,
    `Date: ${rfc5322Date(parts.date)}`,
    ...Object.entries(parts.headers).map(([name, value]) => `${name}: ${headerValue(value)}`),
    // Every email paperboy sends is made by a machine: RFC 3834 out-of-office responders leave it alone.
    'Auto-Submitted: auto-generated',
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ].map((line) => foldLines(line, 76));
  // Headers are ASCII by construction (encoded words for anything else), so latin1 gives the same bytes.
  const head = `${headers.join('\r\n')}\r\n\r\n`;
  const delimiter = `--${boundary}\r\n`;
  const end = `--${boundary}--\r\n`;
  const bodies = [bodyPart('text/plain', parts.text), bodyPart('text/html', parts.html)];
  // The whole message is written into one buffer of its exact size.
  const size = head.length + end.length + bodies.reduce((sum, { headers: partHeaders, bytes }) => sum + delimiter.length + partHeaders.length + base64Length(bytes) + 2, 0);
  const out = Buffer.allocUnsafe(size);
  let at = out.write(head, 0, 'latin1');
  for (const { headers: partHeaders, body, bytes } of bodies) {
    at += out.write(delimiter, at, 'latin1');
    at += out.write(partHeaders, at, 'latin1');
    at = writeBase64Lines(out, at, body, bytes);
    at += out.write('\r\n', at, 'latin1');
  }
  at += out.write(end, at, 'latin1');
  if (at !== size) throw new Error(`message size ${at} is not the ${size} worked out`);
  return out;
}
