/**
 * Rebuilds the README's example digest: `docs/digest-email.html` and a
 * screenshot of it, `docs/digest-email.png`, taken with Debian's Chromium.
 * Run it (`npm run screenshot`) after changing the digest template; a test
 * fails while the committed HTML is stale.
 */
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { DOCS_DIR, SAMPLE_HTML, SAMPLE_PNG, renderDigestSample } from './digest-sample.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

const { html } = await renderDigestSample();
fs.mkdirSync(DOCS_DIR, { recursive: true });
fs.writeFileSync(SAMPLE_HTML, html);

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
try {
  // A little wider than the 600px email, as a desktop mail client shows it.
  const page = await browser.newPage({ viewport: { width: 700, height: 900 }, deviceScaleFactor: 2 });
  // The email needs nothing from the network; refusing it keeps the picture the same everywhere.
  await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
  await page.setContent(html, { waitUntil: 'load' });
  await page.screenshot({ path: SAMPLE_PNG, fullPage: true });
} finally {
  await browser.close();
}
process.stdout.write(`wrote ${SAMPLE_HTML} and ${SAMPLE_PNG}\n`);
