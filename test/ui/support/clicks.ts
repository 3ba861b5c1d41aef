// Small click helpers shared by the UI tests: choose in a Mantine Select, add a connection, wait
// for a notification, read a text. Everything goes through roles and visible names.
import type { Locator, Page } from 'playwright-core';

type Scope = Page | Locator;

function pageOf(scope: Scope): Page {
  return 'page' in scope && typeof scope.page === 'function' ? scope.page() : (scope as Page);
}

/** Opens the Select labelled `label` inside `scope` and clicks the option whose name matches. */
export async function choose(scope: Scope, label: string | RegExp, option: string | RegExp): Promise<void> {
  const input = scope.getByRole('combobox', { name: label }).first();
  await input.click();
  if (typeof option === 'string' && (await input.isEditable())) await input.fill(option); // searchable selects filter as you type
  await pageOf(scope).getByRole('option', { name: option }).first().click();
}

/** Adds a connection from the connections screen: service, auth fields by label, then «Проверить». */
export async function addConnection(page: Page, service: string, fields: Record<string, string>, name?: string): Promise<Locator> {
  await page.getByRole('button', { name: 'Добавить подключение' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Поиск сервиса' }).fill(service);
  await dialog.getByRole('button', { name: new RegExp(`^${service}`) }).first().click();
  if (name) await dialog.getByRole('textbox', { name: 'Название подключения' }).fill(name);
  for (const [label, value] of Object.entries(fields)) await dialog.getByRole('textbox', { name: label, exact: true }).fill(value);
  await dialog.getByRole('button', { name: 'Проверить' }).click();
  return dialog;
}

/** Mantine notifications and alerts are role=alert/status; waits for one with this text. */
export async function waitForMessage(page: Page, text: string | RegExp): Promise<void> {
  await page.getByText(text).first().waitFor();
}

/** Polls `read` until `ok` says yes (state that the UI changes asynchronously, read for asserts). */
export async function eventually<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < until) {
    try {
      last = await read();
      if (ok(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: not reached in ${timeoutMs} ms; last value ${JSON.stringify(last)?.slice(0, 500)}${lastError ? `; last error ${(lastError as Error).message}` : ''}`);
}
