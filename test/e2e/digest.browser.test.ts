import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { axeViolations, describeFindings } from '../helpers/axe.js';
import { SCREENSHOTS_DIR, browserAvailable, sharedBrowser } from '../helpers/browser.js';
import { testApp } from '../helpers/app.js';
import { addSubscriber } from '../helpers/digest.js';
import { freePort } from '../helpers/http.js';
import { linkIn, startSmtpSink } from '../helpers/smtp-sink.js';

describe.skipIf(!browserAvailable())('a reader with their digest, in a real browser', () => {
  const browser = sharedBrowser();

  it('opens the digest in the browser, then unsubscribes from its footer link', { timeout: 60_000 }, async () => {
    const sink = await startSmtpSink();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // The seed papers, stored now: a first digest looks back a week, so they are all new.
    const { app, db, services } = await testApp({ env: { SMTP_URL: sink.url, PUBLIC_URL: base, DIGEST_MAX_PAPERS: '3' } });
    await app.listen({ port, host: '127.0.0.1' });
    addSubscriber(db, { email: 'ada@example.com', topics: ['test-time adaptation'], sendHour: 0 });
    expect(await services.digests.run({ now: new Date() })).toMatchObject({ sent: 1 });
    const [digest] = await sink.waitFor(1);
    expect(digest!.parsed.subject).toMatch(/^3 papers on test-time adaptation$/);

    const context = await browser().newContext({ viewport: { width: 760, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));

    // "View in browser": every paper the digest matched, not only the three the email showed.
    await page.goto(linkIn(digest!, `${base}/digests/`));
    const heading = await page.getByRole('heading', { level: 1 }).innerText();
    expect(heading).toMatch(/^\d+ papers matching your topics$/);
    expect(Number(heading.split(' ')[0])).toBeGreaterThan(3);
    await expect(page.getByText(/^Matched /).count()).resolves.toBe(Number(heading.split(' ')[0]));
    await expect(page.getByRole('link', { name: 'Continual Test-Time Domain Adaptation' }).count()).resolves.toBe(1);
    fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, '9-digest-in-browser.png'), fullPage: true });
    // Every card leads somewhere, seed papers included (a title search until arXiv resolves them).
    const titles = await page.evaluate<string[]>(`[...document.querySelectorAll('h2 a')].map((a) => a.href)`);
    expect(titles).toHaveLength(Number(heading.split(' ')[0]));
    expect(titles.every((href) => /^https:\/\/(huggingface\.co|arxiv\.org)\//.test(href))).toBe(true);
    // The web view is a page like the others: it fits a phone and a desktop, and passes axe-core, served with its real headers.
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBeLessThanOrEqual(0);
      const findings = await axeViolations(page);
      expect(findings, `${width}px: ${describeFindings(findings)}`).toEqual([]);
    }

    // The footer's unsubscribe link opens a page with one button.
    await page.goto(linkIn(digest!, `${base}/unsubscribe?token=`));
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Unsubscribe from paperboy?');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('You are unsubscribed');
    expect(db.prepare('SELECT status FROM subscribers').get()).toEqual({ status: 'unsubscribed' });
    expect(errors).toEqual([]);
    await context.close();
  });
});
