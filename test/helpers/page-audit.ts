import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
// axe-core from npm, read once and run inside the page under test.
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The widths every public page is checked at: a small phone and a laptop. */
export const AUDIT_WIDTHS = [375, 1280] as const;

interface AxeResult {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }>;
}

/**
 * axe-core's violations on the page as it stands, one line each ("rule:
 * what it checks (selectors)"), every WCAG 2.1 A/AA rule and axe's best
 * practices included. Evaluated through the DevTools protocol, so the
 * page's own script policy, which forbids inline scripts, stays in force.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  // Strings, not functions: this project type-checks without the DOM library, and these run only in the page.
  if (!(await page.evaluate("'axe' in window"))) await page.evaluate(AXE_SOURCE);
  const result = (await page.evaluate("window.axe.run(document, { resultTypes: ['violations'] })")) as AxeResult;
  return result.violations.map(
    (violation) => `${violation.id} (${violation.impact ?? 'n/a'}): ${violation.help} [${violation.nodes.map((node) => node.target.join(' ')).join(', ')}]`,
  );
}

/**
 * Elements that reach past the right edge of the viewport, which is what
 * makes a phone scroll sideways, as "tag#id.class (right edge px)". Empty
 * when the page fits. Contents of a scroll box (a wide table inside
 * `.table-scroll`) scroll on their own and do not count.
 */
export async function horizontalOverflow(page: Page): Promise<string[]> {
  return (await page.evaluate(`(() => {
    const width = document.documentElement.clientWidth;
    const found = [];
    if (document.documentElement.scrollWidth > width) found.push('the page is ' + document.documentElement.scrollWidth + 'px wide in a ' + width + 'px window');
    for (const element of document.body.querySelectorAll('*')) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.right <= width + 1) continue;
      let clipped = false;
      for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
        if (getComputedStyle(parent).overflowX !== 'visible' && parent.getBoundingClientRect().right <= width + 1) clipped = true;
      }
      if (clipped) continue;
      const id = element.id ? '#' + element.id : '';
      const classes = typeof element.className === 'string' && element.className.trim() ? '.' + element.className.trim().split(/\\s+/).join('.') : '';
      found.push(element.tagName.toLowerCase() + id + classes + ' (right edge ' + Math.round(box.right) + 'px)');
    }
    return found.slice(0, 10);
  })()`)) as string[];
}

/** Relative luminance of an sRGB colour, per WCAG 2.1. */
function luminance([r, g, b]: number[]): number {
  const channel = (value: number) => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!);
}

/** WCAG contrast ratio of two CSS colours given as `rgb(r, g, b)`. */
export function contrastRatio(a: string, b: string): number {
  const parse = (colour: string) => (colour.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
  const [light, dark] = [luminance(parse(a)), luminance(parse(b))].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}
