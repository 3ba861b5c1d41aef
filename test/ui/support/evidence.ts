// Screenshots (test-results/<test>/<screen>.png, ignored by git) and the axe-core check.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const AXE = join(ROOT, 'node_modules/axe-core/axe.min.js');

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9а-яё]+/gi, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'test';
}

export function screenshotPath(testName: string, screen: string): string {
  return join(ROOT, 'test-results', slug(testName), `${slug(screen)}.png`);
}

export async function screenshot(page: Page, testName: string, screen: string): Promise<string> {
  const path = screenshotPath(testName, screen);
  mkdirSync(join(path, '..'), { recursive: true });
  await page.screenshot({ path, fullPage: true });
  return path;
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string; html?: string }>;
}

/** Runs axe-core on the page; throws listing every serious or critical violation. */
export async function checkA11y(page: Page, screen: string): Promise<void> {
  // Runs in the page; the root tsconfig has no DOM types, so the globals are typed here.
  type AxeWindow = { axe?: { run(ctx: unknown, opts: object): Promise<{ violations: AxeViolation[] }> }; document: unknown };
  // Evaluated, not added as a <script>: the UI's CSP (script-src 'self') rightly blocks inline scripts.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(readFileSync(AXE, 'utf8'));
  // A modal still fading in has grey-on-grey text for a moment: check the page as it settles, not
  // mid-transition (a loaded machine stretches the transition; the colours are right at its end).
  await page.evaluate(async () => {
    type Animated = { getAnimations(): Array<{ finished: Promise<unknown> }> };
    await Promise.all((globalThis as unknown as { document: Animated }).document.getAnimations().map((a) => a.finished.catch(() => undefined)));
  });
  const violations = await page.evaluate(async () => {
    const win = globalThis as unknown as AxeWindow;
    const result = await win.axe!.run(win.document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary, html: n.html })) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length === 0) return;
  const lines = bad.flatMap((v) => [`${v.impact} ${v.id}: ${v.help}`, ...v.nodes.slice(0, 5).map((n) => `    at ${JSON.stringify(n.target)} ${(n.html ?? '').slice(0, 160)}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 220)}`)]);
  throw new Error(`axe-core on «${screen}»: ${bad.length} serious/critical violation(s)\n  ${lines.join('\n  ')}`);
}

/** The page shows something readable: not blank, no raw stack trace. */
export async function assertReadable(page: Page, where: string): Promise<void> {
  const text = await page.evaluate(() => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText);
  if (text.trim().length < 10) throw new Error(`«${where}»: the page is blank`);
  if (/\n\s+at [\w$.<>]+ \(|\bat .*\.(js|tsx?):\d+:\d+/.test(text)) throw new Error(`«${where}»: the page shows a raw stack trace:\n${text.slice(0, 1500)}`);
}
