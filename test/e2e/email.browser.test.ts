import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { digestEmailProps } from '../../src/digest/digest-view.js';
import { EmailRenderer, type RenderedEmail } from '../../src/mail/email-templates.js';
import { sampleDigestInput } from '../../scripts/digest-sample.js';
import { axeViolations, describeFindings } from '../helpers/axe.js';
import { SCREENSHOTS_DIR, browserAvailable, sharedBrowser } from '../helpers/browser.js';
import { largestDigestProps } from '../helpers/largest-digest.js';

const SUMMARY = { email: 'ada@example.com', topics: ['test-time adaptation', '"mixture of experts" -video'], schedule: 'daily at 08:00 (Europe/Paris)' };
const LINK = 'https://paperboy.example/preferences?token=m.1';

let emails: Record<string, RenderedEmail>;
beforeAll(async () => {
  const renderer = await EmailRenderer.load();
  emails = {
    // What a new install sends first: seed papers only, each linking to a title search.
    'first digest': renderer.render('digest', digestEmailProps(sampleDigestInput())),
    // Fifty cards with every field at its longest, grouped by topic.
    'largest weekly digest': renderer.render('digest', largestDigestProps('weekly')),
    confirm: renderer.render('confirm', {
      email: SUMMARY.email,
      schedule: SUMMARY.schedule,
      topicCount: '2 topics',
      confirmUrl: 'https://paperboy.example/confirm?token=c.1',
      expiresInDays: 7,
    }),
    'already subscribed': renderer.render('already-subscribed', { ...SUMMARY, manageUrl: LINK, unsubscribeUrl: 'https://paperboy.example/unsubscribe?token=u.1' }),
    'manage link': renderer.render('manage-link', { ...SUMMARY, manageUrl: LINK }),
  };
});

const WIDTHS = [375, 1280] as const;
const NAMES = ['first digest', 'largest weekly digest', 'confirm', 'already subscribed', 'manage link'] as const;

/** Relative luminance (WCAG) of a computed `rgb(…)` colour. */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((c) => {
    const v = Number(c) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

interface Target {
  text: string;
  height: number;
  fontSize: number;
}

/**
 * Every link a reader taps on its own: buttons and footer links. Links inside
 * a sentence or a heading are exempt (WCAG 2.5.8), as the text around them
 * sets their size.
 */
const TAP_TARGETS = `[...document.querySelectorAll('a')].filter((a) => !a.closest('h2, .muted')).map((a) => ({
  text: a.textContent.trim(),
  height: a.getBoundingClientRect().height,
  fontSize: parseFloat(getComputedStyle(a).fontSize),
}))`;

describe.skipIf(!browserAvailable())('the emails in a real browser', () => {
  const browser = sharedBrowser();

  async function open(b: Browser, name: string, width: number, colorScheme: 'light' | 'dark'): Promise<Page> {
    const page = await b.newPage({ viewport: { width, height: 800 }, colorScheme });
    // An email loads nothing; refusing the network proves it needs nothing.
    await page.route('**/*', (route) => route.abort());
    await page.setContent(emails[name]!.html, { waitUntil: 'load' });
    return page;
  }

  for (const name of NAMES) {
    for (const width of WIDTHS) {
      it(`${name} at ${width}px: no sideways scrolling, no axe violations, comfortable tap targets`, { timeout: 60_000 }, async () => {
        const page = await open(browser(), name, width, 'light');
        expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBeLessThanOrEqual(0);
        const findings = await axeViolations(page);
        expect(findings, describeFindings(findings)).toEqual([]);
        const targets = await page.evaluate<Target[]>(TAP_TARGETS);
        expect(targets.length).toBeGreaterThan(0);
        const small = targets.filter((t) => t.height < 44 || t.fontSize < 14);
        expect(small, `links under 44 px high or 14 px text: ${JSON.stringify(small.slice(0, 5))}`).toEqual([]);
        await page.close();
      });
    }

    it(`${name} in dark mode: dark background, light text, and every colour pair passes axe's contrast check`, { timeout: 60_000 }, async () => {
      const page = await open(browser(), name, 375, 'dark');
      const colours = await page.evaluate<{ body: string; card: string; heading: string }>(`({
        body: getComputedStyle(document.body).backgroundColor,
        card: getComputedStyle(document.querySelector('.pb-card')).backgroundColor,
        heading: getComputedStyle(document.querySelector('h1')).color,
      })`);
      expect(luminance(colours.body)).toBeLessThan(0.05);
      expect(luminance(colours.card)).toBeLessThan(0.05);
      expect(luminance(colours.heading)).toBeGreaterThan(0.6);
      const findings = await axeViolations(page);
      expect(findings, describeFindings(findings)).toEqual([]);
      fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `email-${name.replace(/\s+/g, '-')}-dark.png`), fullPage: false });
      await page.close();
    });
  }

  it('gives the digest a heading outline: one h1, then an h2 per paper (and per topic in a weekly digest)', { timeout: 60_000 }, async () => {
    const page = await open(browser(), 'largest weekly digest', 1280, 'light');
    const outline = await page.evaluate<string[]>(`[...document.querySelectorAll('h1, h2, h3, h4')].map((h) => h.tagName)`);
    expect(outline[0]).toBe('H1');
    expect(outline.filter((tag) => tag === 'H1')).toHaveLength(1);
    expect(outline.filter((tag) => tag === 'H2').length).toBe(50 + 4);
    // Decorative separators are hidden from screen readers.
    const dots = await page.evaluate<{ hidden: number; exposed: number }>(`(() => {
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      const counts = { hidden: 0, exposed: 0 };
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.textContent.trim() !== '·') continue;
        if (node.parentElement.closest('[aria-hidden="true"]')) counts.hidden += 1;
        else counts.exposed += 1;
      }
      return counts;
    })()`);
    // Three between the four footer links, three in each card's line of date, authors, id and votes.
    expect(dots).toEqual({ hidden: 3 + 50 * 3, exposed: 0 });
    // A topic heading shows the topic as the reader typed it: "LoRA", not "LORA".
    const headings = await page.evaluate<Array<{ shown: string; typed: string }>>(
      `[...document.querySelectorAll('h2.pb-s')].map((h) => ({ shown: h.innerText, typed: h.textContent }))`,
    );
    expect(headings).toHaveLength(4);
    expect(headings.some(({ typed }) => typed !== typed.toUpperCase())).toBe(true);
    for (const { shown, typed } of headings) expect(shown).toBe(typed);
    await page.close();
  });
});
