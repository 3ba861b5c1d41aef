// Chromium through playwright-core: Debian's `chromium` (which .ci/run installs with apt-get),
// never a downloaded browser. No Chromium → null, and the UI tests skip saying why.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** Generous: the tests must pass with both cores busy with another process. */
export const UI_TIMEOUT_MS = 45_000;

export function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(p)) ?? null;
}

export const NO_CHROMIUM_MESSAGE = 'no Chromium found (set CHROMIUM_PATH or `apt-get install -y chromium`; .ci/run does): browser tests skipped';

export async function launchBrowser(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS, timeout: 120_000 });
}

export interface PageProblems {
  /** Uncaught exceptions in the page and console errors other than failed requests. */
  errors: string[];
}

export async function openPage(browser: Browser, baseURL: string): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext({ baseURL, locale: 'ru-RU', timezoneId: 'Europe/Moscow', viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(UI_TIMEOUT_MS * 2);
  const problems: PageProblems = { errors: [] };
  page.on('pageerror', (error) => problems.errors.push(`pageerror: ${error.message}`));
  page.on('console', (msg) => {
    // 4xx/5xx answers are logged by the browser as "Failed to load resource"; the bad-input tests cause them on purpose.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.errors.push(`console: ${msg.text()}`);
  });
  return { context, page, problems };
}
