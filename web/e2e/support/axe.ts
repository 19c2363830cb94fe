/// <reference types="node" />
// axe-core in the page under test: fails on critical or serious violations and prints them so
// that whoever reads the failure can fix them without re-running anything.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { expect, type Page } from '@playwright/test';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeNode {
  target: unknown[];
  html: string;
  failureSummary?: string;
}
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: AxeNode[];
}

function describe(violations: AxeViolation[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 6)
        .map(
          (n) =>
            `    - ${JSON.stringify(n.target)}  ${n.html.slice(0, 160)}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`,
        )
        .join('\n');
      const more = v.nodes.length > 6 ? `\n    … and ${v.nodes.length - 6} more` : '';
      return `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n${nodes}${more}`;
    })
    .join('\n');
}

/**
 * Fluent UI's focus manager (Tabster) puts empty `<i data-tabster-dummy tabindex=0 aria-hidden>`
 * around focus-trapped and arrow-key regions: they only hand the focus on, and they are hidden
 * from screen readers on purpose. Tabster's and Accessibility Insights' maintainers treat
 * aria-hidden-focus on them as a false positive (microsoft/tabster#288,
 * microsoft/accessibility-insights-web#7605); only those nodes of only that rule are dropped.
 */
function withoutTabsterDummies(violations: AxeViolation[]): AxeViolation[] {
  return violations
    .map((v) =>
      v.id === 'aria-hidden-focus'
        ? { ...v, nodes: v.nodes.filter((n) => !/^<i [^>]*data-tabster-dummy/.test(n.html)) }
        : v,
    )
    .filter((v) => v.nodes.length > 0);
}

/**
 * Runs axe-core on the page as it is now. axe is evaluated through the DevTools protocol rather
 * than added as a <script> element: the server's Content-Security-Policy (rightly) refuses inline
 * scripts, and page.addScriptTag({path}) would add one.
 */
export async function expectNoSeriousA11yViolations(
  page: Page,
  what: string,
  options: { soft?: boolean } = {},
): Promise<void> {
  // Colours are measured as painted: wait for opening dialogs and drawers to finish fading in
  // (finite animations only; a spinner turns forever).
  await page.waitForFunction(() =>
    document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
  );
  const present = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!present) await page.evaluate(axeSource);
  const violations = (await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: unknown[] }> } }
    ).axe;
    const results = await axe.run(document, { resultTypes: ['violations'] });
    return results.violations;
  })) as AxeViolation[];
  const serious = withoutTabsterDummies(violations).filter((v) => v.impact === 'critical' || v.impact === 'serious');
  const minor = withoutTabsterDummies(violations).filter((v) => !serious.includes(v));
  if (minor.length) console.log(`[axe] ${what}: ${minor.length} moderate/minor finding(s):\n${describe(minor)}`);
  const summary = serious.map(
    (v) => `[${v.impact}] ${v.id} (${v.nodes.length} element${v.nodes.length === 1 ? '' : 's'})`,
  );
  (options.soft ? expect.soft : expect)(
    summary,
    `axe-core: critical or serious violations on ${what}:\n${describe(serious)}\n`,
  ).toEqual([]);
}
