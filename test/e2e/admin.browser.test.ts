import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run.js';
import { SCREENSHOTS_DIR, browserAvailable, sharedBrowser } from '../helpers/browser.js';
import { ADMIN_PASSWORD } from '../helpers/admin.js';
import { digestWorld } from '../helpers/digest.js';
import { freePort } from '../helpers/http.js';
import { AUDIT_WIDTHS, axeViolations, horizontalOverflow } from '../helpers/page-audit.js';
import { paper } from '../helpers/papers.js';
import { parseTopic } from '../../src/topics/topic-grammar.js';

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

describe.skipIf(!browserAvailable())('the admin console in a real browser', () => {
  const browser = sharedBrowser();

  it('logs in and shows the dashboard at desktop and phone widths, without script errors or sideways scrolling', { timeout: 90_000 }, async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const world = await digestWorld({
      env: { ADMIN_PASSWORD, PUBLIC_URL: base },
      onData: ({ envelopeTo }) => (envelopeTo.includes('reader7@example.com') ? smtpError(550, '5.1.1 mailbox does not exist') : null),
    });
    // A few weeks of a small install: readers on several topics, a digest a day.
    const topics = ['test-time adaptation', 'LoRA', '"mixture of experts"', 'diffusion', 'agents'];
    const today = new Date();
    const daysAgo = (n: number, hour: number) => new Date(today.getTime() - n * 86_400_000).toISOString().slice(0, 11) + `0${hour}:00:00.000Z`;
    const { subscribers } = world.services;
    for (let i = 0; i < 16; i++) {
      const lines = [topics[i % topics.length]!, topics[(i + 2) % topics.length]!];
      const prefs = { topics: lines.map((text) => ({ text, key: parseTopic(text).key })), frequency: 'daily' as const, weekday: null, sendHour: 8, timezone: 'UTC' };
      const reader = subscribers.insertPending(`reader${i}@example.com`, prefs, daysAgo(20 - i, 1));
      if (i % 5 !== 4) subscribers.transition(reader.id, ['pending'], 'active', daysAgo(19 - i, 1));
      if (i % 6 === 5) subscribers.transition(reader.id, ['active'], 'unsubscribed', daysAgo(12 - (i % 3), 3));
    }
    for (let back = 9; back >= 0; back--) {
      const day = new Date(today.getTime() - back * 86_400_000);
      const stamp = day.toISOString().slice(0, 10);
      world.addPapers(
        [
          paper({ title: `LoRA adapters, part ${back}`, source: 'hf' }),
          paper({ title: `Diffusion sampling, part ${back}`, source: 'arxiv' }),
          paper({ title: `Agents that plan, part ${back}`, source: back % 2 ? 'hf' : 'arxiv' }),
        ],
        `${stamp}T02:00:00Z`,
      );
      await world.run(`${stamp}T09:00:00Z`);
    }
    await world.app.listen({ port, host: '127.0.0.1' });

    const context = await browser().newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (message) => {
      // The wrong password below answers 401 on purpose; anything else logged as an error is a fault.
      if (message.type() === 'error' && !message.text().includes('status of 401')) errors.push(message.text());
    });

    await page.goto(`${base}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    const problems: string[] = [];
    const audit = async (name: string) => {
      for (const overflow of await horizontalOverflow(page)) problems.push(`${name}: overflows: ${overflow}`);
      for (const violation of await axeViolations(page)) problems.push(`${name}: ${violation}`);
    };
    await audit('login');
    await page.getByLabel('Password').fill('wrong password, surely');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toBe('That password is not right.');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Dashboard');
    await expect(page.locator('svg.chart').count()).resolves.toBe(3);
    const active = Number(await page.locator('dd[data-status="active"]').innerText());
    expect(active).toBe(world.db.prepare("SELECT count(*) FROM subscribers WHERE status = 'active'").pluck().get());
    const box = await page.locator('svg.chart').first().boundingBox();
    expect(box!.width).toBeGreaterThan(500);
    fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    await page.setViewportSize({ width: 1280, height: 1500 });
    // The docs keep this picture; a normal run writes it beside the other screenshots and leaves the docs alone.
    const shot = process.env.UPDATE_DOCS_SCREENSHOT === '1' ? path.join(ROOT, 'docs', 'admin-dashboard.png') : path.join(SCREENSHOTS_DIR, 'admin-dashboard.png');
    await page.screenshot({ path: shot, fullPage: false });

    await page.setViewportSize({ width: 375, height: 800 });
    for (const url of ['/admin', '/admin/deliveries', '/admin/subscribers?q=reader', '/admin/audit']) {
      await page.goto(`${base}${url}`);
      const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect([url, overflow]).toEqual([url, 0]);
    }
    // Every admin page, at a phone and a laptop width: no sideways scrolling, no axe-core violation.
    const readerId = world.db.prepare("SELECT id FROM subscribers WHERE email = 'reader7@example.com'").pluck().get() as number;
    for (const width of AUDIT_WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      for (const url of ['/admin', '/admin/deliveries', '/admin/subscribers?q=reader', `/admin/subscribers/${readerId}`, '/admin/audit']) {
        await page.goto(`${base}${url}`);
        await audit(`${width}px ${url}`);
      }
    }
    expect(problems).toEqual([]);
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${base}/admin`);
    const phoneChart = await page.locator('svg.chart').first().boundingBox();
    expect(phoneChart!.width).toBeLessThanOrEqual(375);
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'admin-dashboard-375.png'), fullPage: true });

    // The bounced reader is on the suppression list; lifting it from the page works with no script.
    await page.goto(`${base}/admin/deliveries`);
    await page.getByRole('button', { name: 'Lift' }).click();
    await expect(page.getByRole('status').innerText()).resolves.toMatch(/suppression is lifted/);
    expect(world.db.prepare("SELECT status FROM subscribers WHERE email = 'reader7@example.com'").pluck().get()).toBe('active');

    await page.getByRole('button', { name: 'Log out' }).click();
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    expect(errors).toEqual([]);
    await context.close();
  });
});
