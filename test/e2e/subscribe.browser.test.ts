import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SCREENSHOTS_DIR, browserAvailable, sharedBrowser } from '../helpers/browser.js';
import { testApp } from '../helpers/app.js';
import { freePort } from '../helpers/http.js';
import { linkIn, startSmtpSink } from '../helpers/smtp-sink.js';

describe.skipIf(!browserAvailable())('a visitor in a real browser', () => {
  const browser = sharedBrowser();

  async function shoot(page: Page, name: string): Promise<void> {
    fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    const file = path.join(SCREENSHOTS_DIR, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    expect(fs.statSync(file).size).toBeGreaterThan(5_000);
  }

  it('subscribes, confirms from the email, edits topics and unsubscribes', { timeout: 60_000 }, async () => {
    const sink = await startSmtpSink();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // The clock moves past the two-minute guard between emails to one address when the test asks for a second email.
    const clock = { now: new Date('2026-11-27T10:00:00Z') };
    const { app, db } = await testApp({ env: { SMTP_URL: sink.url, PUBLIC_URL: base }, clock: () => clock.now });
    await app.listen({ port, host: '127.0.0.1' });
    const subscriber = () =>
      db.prepare('SELECT status, frequency, weekday, send_hour AS sendHour, timezone FROM subscribers WHERE email = ?').get('ada@example.com');
    const topics = () => (db.prepare('SELECT text FROM subscriber_topics ORDER BY position').all() as Array<{ text: string }>).map((t) => t.text);

    // A visitor in Tokyo: the form picks their time zone up from the browser.
    const context = await browser().newContext({ timezoneId: 'Asia/Tokyo', viewport: { width: 900, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });

    // 1. The form, filled as a person would, by its labels.
    await page.goto(`${base}/`);
    await expect.poll(() => page.getByLabel('Time zone', { exact: true }).inputValue()).toBe('Asia/Tokyo');
    await expect(page.getByLabel(/^Weekday/).isVisible()).resolves.toBe(false);
    await page.getByLabel('Email address', { exact: true }).fill('ada@example.com');
    await page.keyboard.press('Tab');
    await expect(page.locator('#topics').evaluate((el) => el === el.ownerDocument.activeElement)).resolves.toBe(true);
    await page.getByLabel('Topics', { exact: true }).pressSequentially('test-time adaptation');
    // The live preview lists seed papers these topics match, as text.
    await expect.poll(() => page.locator('#preview-list li').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect(page.locator('#preview-list li').first().innerText()).resolves.toMatch(/test-time|adaptation/i);
    await page.getByLabel('Weekly', { exact: true }).check();
    await expect(page.getByLabel(/^Weekday/).isVisible()).resolves.toBe(true);
    await page.getByLabel(/^Weekday/).selectOption({ label: 'Wednesday' });
    await page.getByLabel('Send hour', { exact: true }).selectOption('7');
    await shoot(page, '1-subscribe-form');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Check your inbox');
    await shoot(page, '2-check-your-inbox');
    expect(subscriber()).toEqual({ status: 'pending', frequency: 'weekly', weekday: 3, sendHour: 7, timezone: 'Asia/Tokyo' });

    // 2. The confirmation link, read from the email the SMTP server received: opening it changes nothing, its button confirms.
    const [confirmation] = await sink.waitFor(1);
    await page.goto(linkIn(confirmation!, `${base}/confirm?token=`));
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Confirm your subscription');
    expect(subscriber()).toMatchObject({ status: 'pending' });
    await page.getByRole('button', { name: 'Confirm my subscription' }).click();
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('You are subscribed');
    await expect(page.locator('main').innerText()).resolves.toContain('every Wednesday at 07:00 (Asia/Tokyo)');
    await shoot(page, '3-confirmed');
    expect(subscriber()).toMatchObject({ status: 'active' });

    // 3. New topics on the preferences page, from a manage link the confirmed page emails on request.
    clock.now = new Date('2026-11-27T10:05:00Z');
    await page.getByRole('button', { name: 'Email me a link to manage my subscription' }).click();
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Check your inbox');
    const [, manage] = await sink.waitFor(2);
    await page.goto(linkIn(manage!, `${base}/preferences?token=`));
    await expect(page.getByLabel('Topics', { exact: true }).inputValue()).resolves.toBe('test-time adaptation');
    await page.getByLabel('Topics', { exact: true }).fill('LoRA\n"mixture of experts" -video');
    await page.getByLabel('Daily', { exact: true }).check();
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await expect(page.getByRole('status').innerText()).resolves.toContain('Saved.');
    await expect(page.getByLabel('Topics', { exact: true }).inputValue()).resolves.toBe('LoRA\n"mixture of experts" -video');
    await shoot(page, '4-preferences-saved');
    expect(topics()).toEqual(['LoRA', '"mixture of experts" -video']);
    expect(subscriber()).toMatchObject({ status: 'active', frequency: 'daily', weekday: null });

    // 4. Unsubscribe from the page, with its one button.
    await page.getByRole('link', { name: 'Unsubscribe' }).click();
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Unsubscribe from paperboy?');
    await shoot(page, '5-unsubscribe');
    expect(subscriber()).toMatchObject({ status: 'active' });
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('You are unsubscribed');
    await expect(page.getByRole('button', { name: 'Resubscribe' }).isVisible()).resolves.toBe(true);
    await shoot(page, '6-unsubscribed');
    expect(subscriber()).toMatchObject({ status: 'unsubscribed' });

    expect(errors).toEqual([]);
    await context.close();
  });

  it('works without JavaScript and keeps what was typed when a field is wrong', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const { app, db } = await testApp({ env: { PUBLIC_URL: `http://127.0.0.1:${port}` } });
    await app.listen({ port, host: '127.0.0.1' });
    const context = await browser().newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await expect(page.getByLabel('Time zone', { exact: true }).inputValue()).resolves.toBe('UTC');
    await page.getByLabel('Email address', { exact: true }).fill('not-an-address');
    await page.getByLabel('Topics', { exact: true }).fill('LoRA <script>alert(1)</script>');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toContain('Please check the form.');
    await expect(page.locator('#email-error').innerText()).resolves.toContain('Enter an email address such as ada@example.com.');
    await expect(page.getByLabel('Topics', { exact: true }).inputValue()).resolves.toBe('LoRA <script>alert(1)</script>');
    await shoot(page, '7-form-errors-no-js');
    expect(db.prepare('SELECT count(*) AS n FROM subscribers').get()).toEqual({ n: 0 });
    await context.close();
  });

  it('finds the confirmation in /dev/outbox when no SMTP relay is set, and confirms from it', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const { app, db } = await testApp({ env: { PUBLIC_URL: base } });
    await app.listen({ port, host: '127.0.0.1' });
    const context = await browser().newContext();
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('Email address', { exact: true }).fill('grace@example.com');
    await page.getByLabel('Topics', { exact: true }).fill('LoRA');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Check your inbox');

    await page.goto(`${base}/dev/outbox`);
    await expect.poll(async () => {
      await page.reload();
      return page.getByRole('link', { name: 'Confirm your paperboy subscription' }).count();
    }).toBe(1);
    await page.getByRole('link', { name: 'Confirm your paperboy subscription' }).click();
    await shoot(page, '8-outbox-message');
    // The button inside the sandboxed email opens a new window, as it would from a mail client.
    const [opened] = await Promise.all([
      context.waitForEvent('page'),
      page.frameLocator('iframe.email-frame').getByRole('link', { name: 'Confirm my subscription' }).click(),
    ]);
    await opened.waitForURL(/\/confirm\?token=/);
    await expect(opened.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Confirm your subscription');
    expect(db.prepare('SELECT status FROM subscribers').get()).toEqual({ status: 'pending' });
    await opened.getByRole('button', { name: 'Confirm my subscription' }).click();
    await expect(opened.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('You are subscribed');
    expect(db.prepare('SELECT status FROM subscribers').get()).toEqual({ status: 'active' });
    await context.close();
  });

  it('shows in the live preview what a topic was widened with', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const { app } = await testApp({ env: { PUBLIC_URL: `http://127.0.0.1:${port}` } });
    await app.listen({ port, host: '127.0.0.1' });
    const context = await browser().newContext();
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.getByLabel('Topics', { exact: true }).pressSequentially('PEFT');
    // The seed papers spell it out; the reader sees the long form the topic caught.
    await expect.poll(() => page.locator('#preview-expansions').innerText(), { timeout: 10_000 }).toContain('PEFT → parameter-efficient fine-tuning');
    await expect(page.locator('#preview-list li').first().innerText()).resolves.toMatch(/via PEFT → parameter/);
    await context.close();
  });
});
