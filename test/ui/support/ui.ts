// One UI test's world: the real server (child process), the sandboxes, and a Chromium page.
// `startUi` skips the test (never fails it) when there is no Chromium, and registers cleanup of
// everything it started on the test context.
import type { TestContext } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { findChromium, launchBrowser, NO_CHROMIUM_MESSAGE, openPage, type PageProblems } from './browser.ts';
import { assertReadable, checkA11y, screenshot } from './evidence.ts';
import { startSandboxes, type Sandboxes } from './sandboxes.ts';
import { startServer, type RunningServer, type ServerOptions } from './server.ts';

export interface Ui {
  server: RunningServer;
  sandboxes: Sandboxes;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
  /** test-results/<test name>/<screen>.png */
  shot(screen: string): Promise<string>;
  /**
   * A screenshot, not blank and no stack (throws), and axe-core: serious/critical violations are
   * collected in `a11yFindings` (so one screen's finding does not hide the next screens' behaviour);
   * `assertAccessible()` fails on them at the end.
   */
  checkScreen(screen: string): Promise<void>;
  a11yFindings: string[];
  assertAccessible(): void;
  /** A subtest that, when it fails, keeps a screenshot and says where the page was and what it showed. */
  step(t: TestContext, name: string, fn: () => Promise<void>): Promise<void>;
  /** GET on the API as the first admin (reading state to assert, never to set it up). */
  read<T = any>(path: string): Promise<T>;
}

export async function startUi(t: TestContext, opts: ServerOptions & { sandboxes?: boolean } = {}): Promise<Ui | null> {
  const chromiumPath = findChromium();
  if (!chromiumPath) {
    t.skip(NO_CHROMIUM_MESSAGE);
    return null;
  }
  const cleanups: Array<() => Promise<unknown>> = [];
  let ui: Ui | null = null;
  t.after(async () => {
    // A failed test leaves the page as it was: keep a picture of it.
    if (ui) await ui.shot('at-end').catch(() => undefined);
    for (const fn of cleanups.reverse()) await fn().catch((e: Error) => console.error(`cleanup: ${e.message}`));
  });
  const server = await startServer(opts);
  cleanups.push(() => server.stop());
  const sandboxes = await startSandboxes();
  cleanups.push(() => sandboxes.close());
  const browser = await launchBrowser(chromiumPath);
  cleanups.push(() => browser.close());
  const { context, page, problems } = await openPage(browser, server.url);
  const testName = t.fullName ?? t.name;
  const shot = (screen: string) => screenshot(page, testName, screen);
  const findings: string[] = [];
  ui = {
    server,
    sandboxes,
    browser,
    context,
    page,
    problems,
    shot,
    async checkScreen(screen) {
      await shot(screen);
      await assertReadable(page, screen);
      await checkA11y(page, screen).catch((error: Error) => findings.push(error.message));
    },
    a11yFindings: findings,
    step(parent, name, fn) {
      return parent.test(name, async () => {
        try {
          await fn();
        } catch (error) {
          const path = await shot(`FAILED ${name}`).catch(() => '(no screenshot)');
          const text = await page.evaluate(() => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText).catch(() => '');
          (error as Error).message += `\n  page: ${page.url()}\n  screenshot: ${path}\n  page text: ${text.replace(/\s+/g, ' ').slice(0, 400)}`;
          throw error;
        }
      });
    },
    assertAccessible() {
      if (findings.length) throw new Error(findings.join('\n\n'));
    },
    async read(path) {
      const res = await fetch(server.url + '/api/v1' + path, { headers: { authorization: `Bearer ${server.admin.token}` } });
      const text = await res.text();
      if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
      return JSON.parse(text);
    },
  };
  return ui;
}

/** Signs in through the sign-in page with the admin the server printed; lands on the flows list. */
export async function signIn(ui: Ui, email = ui.server.admin.email, password = ui.server.admin.password): Promise<void> {
  const { page } = ui;
  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: 'Вход в Связку' }).waitFor();
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  await page.getByRole('textbox', { name: 'Пароль', exact: true }).fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByRole('navigation', { name: 'Основное меню' }).waitFor();
}

/** Goes to a main screen by its link in the side menu. */
export async function openFromMenu(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Основное меню' }).getByRole('link', { name, exact: true }).click();
}
