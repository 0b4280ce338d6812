import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { ROOT } from './run.js';

export const CHROMIUM = '/usr/bin/chromium';

/** The flags this project's browser tests run Chromium with. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/**
 * Whether browser tests can run here. CI sets REQUIRE_BROWSER=1 so a missing
 * Chromium fails the run instead of skipping the tests quietly.
 */
export function browserAvailable(): boolean {
  const found = fs.existsSync(CHROMIUM);
  if (!found && process.env.REQUIRE_BROWSER === '1') {
    throw new Error(`REQUIRE_BROWSER=1 but ${CHROMIUM} is missing: install it with apt-get install -y chromium`);
  }
  return found;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** One Chromium for the enclosing describe block: launched before its tests, closed after them. */
export function sharedBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => browser!;
}

/** Where browser tests leave their screenshots (ignored by git). */
export const SCREENSHOTS_DIR = path.join(ROOT, 'test-results', 'screenshots');
