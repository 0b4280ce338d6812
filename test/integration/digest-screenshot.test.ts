import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SAMPLE_HTML, SAMPLE_PNG, renderDigestSample } from '../../scripts/digest-sample.js';

const STALE = 'docs/digest-email.html no longer matches what the digest template renders: run `npm run screenshot` and commit docs/digest-email.html and docs/digest-email.png';

describe('the example digest in the README', () => {
  it('is what the digest template renders today', async () => {
    const { html, subject } = await renderDigestSample();
    // The sample is real matching over the seed papers; an empty one would be a poor example.
    expect(subject).toMatch(/^\d+ papers on /);
    const committed = fs.existsSync(SAMPLE_HTML) ? fs.readFileSync(SAMPLE_HTML, 'utf8') : '';
    expect(html === committed, STALE).toBe(true);
    expect(fs.existsSync(SAMPLE_PNG), `docs/digest-email.png is missing: run \`npm run screenshot\``).toBe(true);
  });
});
