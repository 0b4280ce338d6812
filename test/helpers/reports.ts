import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../kit/fixtures/reports/', import.meta.url));

export interface ReportValues {
  /** The envelope sender the digest went out with: its VERP address. */
  RETURN_PATH: string;
  RECIPIENT: string;
  MESSAGE_ID: string;
}

/** A real-format report from test/kit/fixtures/reports, with the digest it is about filled in, as CRLF bytes. */
export function reportFixture(name: string, values: ReportValues, replace: Array<[RegExp, string]> = []): Buffer {
  let text = fs.readFileSync(`${DIR}/${name}`, 'utf8');
  for (const [key, value] of Object.entries(values)) text = text.replaceAll(`{{${key}}}`, value);
  for (const [pattern, value] of replace) text = text.replace(pattern, value);
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'));
}
