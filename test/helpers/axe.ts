import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** axe-core's browser build, read once from the installed package. */
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One rule that failed, with where: enough to find the element without opening a report. */
export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

interface AxeResult {
  id: string;
  impact?: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/**
 * Runs axe-core's full default rule set (WCAG 2.x A and AA plus its best
 * practices) over the page as it is now, including colour contrast in the
 * colour scheme the page was opened with. The script is evaluated through
 * the debugging protocol, which a page's Content-Security-Policy does not
 * govern, so pages served with a strict CSP are audited as they really are.
 */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  // Strings, not functions: the test code is compiled without the DOM's types.
  if (!(await page.evaluate<boolean>("'axe' in window"))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate<AxeResult[]>("axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations)");
  return violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(' ')) }));
}

/** "color-contrast (serious): Elements must meet minimum color contrast ratio thresholds at .pb-m, .pb-k": one line per failed rule. */
export function describeFindings(findings: readonly AxeFinding[]): string {
  return findings.map((f) => `${f.id} (${f.impact ?? 'n/a'}): ${f.help} at ${f.targets.join(', ')}`).join('\n');
}
