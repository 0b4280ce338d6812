import net from 'node:net';

/** A port nothing listens on right now, so a test can put it in PUBLIC_URL before the app starts. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A urlencoded form body from fields; arrays repeat the field. */
export function form(fields: Record<string, string | string[]>): string {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, v);
  return body.toString();
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' } as const;

/** The value of a hidden input in a page. */
export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!match) throw new Error(`no hidden field ${name} in the page`);
  return match[1]!;
}

/** `name=value` pairs of every Set-Cookie header, joined for a Cookie header. */
export function cookiesFrom(setCookie: string | string[] | undefined): string {
  return [setCookie ?? []].flat().map((line) => line.split(';')[0]).join('; ');
}

/** Decodes the few entities Handlebars writes, for reading a URL back out of a page. */
export function unescapeHtml(text: string): string {
  return text.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/** The token with its last character changed: a forgery that is sure to differ, whatever character the signature ends in. */
export const tampered = (token: string) => `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
