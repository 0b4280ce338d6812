import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ParsedMail } from 'mailparser';

export interface OutboxEntry {
  file: string;
  date: string | null;
  to: string;
  subject: string;
}

export interface OutboxMessage extends OutboxEntry {
  messageId: string | null;
  headers: Array<[string, string]>;
  html: string | null;
  text: string | null;
  raw: Buffer;
}

/** `20261127T080000123Z-1a2b3c4d.eml`: sorts by time, never collides. */
const FILE = /^\d{8}T\d{9}Z-[0-9a-f]{8}\.eml$/;

/**
 * The embedded outbox: when no SMTP relay is set, every message is written
 * as an `.eml` file, so a new install can follow the whole flow with no mail
 * server. `/dev/outbox` lists and shows them.
 */
export class Outbox {
  constructor(readonly dir: string) {}

  /** Writes the message whole or not at all: a reader never sees half a file. */
  save(raw: Buffer, now: Date = new Date()): string {
    fs.mkdirSync(this.dir, { recursive: true });
    const file = `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}.eml`;
    const target = path.join(this.dir, file);
    const partial = `${target}.tmp`;
    try {
      fs.writeFileSync(partial, raw);
      fs.renameSync(partial, target);
    } catch (err) {
      // A full disk or a failed rename must not leave half a message behind, to pile up unseen.
      fs.rmSync(partial, { force: true });
      throw err;
    }
    return file;
  }

  /** The newest messages first. */
  async list(limit = 200): Promise<OutboxEntry[]> {
    const files = this.files().slice(0, limit);
    const simpleParser = await parser();
    // The list needs the headers only; parsing whole digests would decode every body.
    return Promise.all(files.map(async (file) => summary(file, await simpleParser(headerBlock(fs.readFileSync(path.join(this.dir, file)))))));
  }

  /** One message, or null when the name is not an outbox file. */
  async read(file: string): Promise<OutboxMessage | null> {
    if (!FILE.test(file)) return null;
    let raw: Buffer;
    try {
      raw = fs.readFileSync(path.join(this.dir, file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const mail = await (await parser())(raw);
    return {
      ...summary(file, mail),
      messageId: mail.messageId ?? null,
      headers: mail.headerLines.map(({ line }) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon), line.slice(colon + 1).replace(/\r?\n\s+/g, ' ').trim()] as [string, string];
      }),
      html: typeof mail.html === 'string' ? mail.html : null,
      text: mail.text ?? null,
      raw,
    };
  }

  /** Deletes messages written before `cutoff` (with `dryRun`, only counts them). The file name holds the time. */
  prune(cutoff: Date, dryRun: boolean): number {
    const stamp = cutoff.toISOString().replace(/[-:.]/g, '');
    const old = this.files().filter((file) => file.slice(0, stamp.length) < stamp);
    if (!dryRun) for (const file of old) fs.rmSync(path.join(this.dir, file), { force: true });
    return old.length;
  }

  private files(): string[] {
    try {
      return fs.readdirSync(this.dir).filter((name) => FILE.test(name)).sort().reverse();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }
}

type Parsed = ParsedMail;

/**
 * mailparser is loaded when the outbox is first read: it takes about 0.2 s to
 * load, and every process that only writes to the outbox (the CLI's digest
 * runs, say) would pay that for nothing.
 */
async function parser() {
  return (await import('mailparser')).simpleParser;
}

function summary(file: string, mail: Parsed): OutboxEntry {
  const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
  return { file, date: mail.date?.toISOString() ?? null, to, subject: mail.subject ?? '' };
}

/** The header section of a raw message, up to and including the blank line after it. */
function headerBlock(raw: Buffer): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  return end === -1 ? raw : raw.subarray(0, end + 4);
}
