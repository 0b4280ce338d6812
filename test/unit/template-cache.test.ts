import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileMjml } from '../../src/mail/template-compiler.js';
import { tempDir } from '../helpers/store.js';

const TEMPLATE = '<mjml><mj-body><mj-include path="./partials/hello.mjml" /></mj-body></mjml>';
const PARTIAL = '<mj-section><mj-column><mj-text>Hello {{name}}</mj-text></mj-column></mj-section>';

function templates(): string {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'partials'));
  fs.writeFileSync(path.join(dir, 'note.mjml'), TEMPLATE);
  fs.writeFileSync(path.join(dir, 'partials', 'hello.mjml'), PARTIAL);
  return dir;
}

describe('the compiled-template cache', () => {
  it('keeps compiled MJML for the next process, and reads it instead of compiling again', async () => {
    const dir = templates();
    const cache = tempDir();
    const fill = await compileMjml<{ name: string }>('note', dir, cache);
    expect(fill({ name: 'Ada' })).toContain('Hello Ada');
    const [entry] = fs.readdirSync(cache);
    expect(entry).toMatch(/^note-[0-9a-f]{16}\.html$/);

    // A doctored entry shows up in the output only if the cache is what was read.
    fs.writeFileSync(path.join(cache, entry!), '<p>cached {{name}}</p>');
    expect((await compileMjml<{ name: string }>('note', dir, cache))({ name: 'Ada' })).toBe('<p>cached Ada</p>');
  });

  it('compiles again when the template, or any partial, changes', async () => {
    const dir = templates();
    const cache = tempDir();
    await compileMjml('note', dir, cache);
    fs.writeFileSync(path.join(dir, 'partials', 'hello.mjml'), PARTIAL.replace('Hello', 'Hi'));
    expect((await compileMjml<{ name: string }>('note', dir, cache))({ name: 'Ada' })).toContain('Hi Ada');
    // A colour the template did not have before, so only a fresh compile can show it.
    fs.writeFileSync(path.join(dir, 'note.mjml'), TEMPLATE.replace('<mj-body>', '<mj-body background-color="#a1b2c3">'));
    const recompiled = (await compileMjml<{ name: string }>('note', dir, cache))({ name: 'Ada' });
    expect(recompiled).toContain('Hi Ada');
    expect(recompiled).toContain('#a1b2c3');
    // Only the current version's entry is kept.
    expect(fs.readdirSync(cache)).toHaveLength(1);
  });

  it('still compiles when the cache cannot be written', async () => {
    const dir = templates();
    const blocked = path.join(tempDir(), 'file');
    fs.writeFileSync(blocked, 'not a folder');
    expect((await compileMjml<{ name: string }>('note', dir, blocked))({ name: 'Ada' })).toContain('Hello Ada');
  });
});
