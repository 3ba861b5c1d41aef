// Proof step 1: the admin that `svyazka serve` prints on first start signs in through the browser;
// a wrong password is told in place; sign out returns to the sign-in page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn, startUi } from './support/ui.ts';

test('sign in with the printed admin, sign out', { timeout: 300_000 }, async (t) => {
  const ui = await startUi(t);
  if (!ui) return;
  const { page } = ui;
  assert.equal(ui.server.admin.email, 'admin@localhost');
  await ui.step(t, 'sign-in page, wrong password, sign in, sign out', async () => {

  await page.goto('/');
  await page.getByRole('heading', { level: 1, name: 'Вход в Связку' }).waitFor();
  await ui.checkScreen('sign-in');

  await page.getByRole('textbox', { name: 'Email' }).fill(ui.server.admin.email);
  await page.getByRole('textbox', { name: 'Пароль', exact: true }).fill('wrong-password');
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByRole('alert').filter({ hasText: 'Не удалось войти' }).waitFor();
  await ui.shot('sign-in-wrong-password');

  await signIn(ui);
  await page.getByRole('button', { name: 'Аккаунт' }).filter({ hasText: 'admin@localhost' }).waitFor();
  await page.waitForURL('**/flows');
  await ui.shot('after-sign-in');

  await page.getByRole('button', { name: 'Аккаунт' }).click();
  await page.getByRole('menuitem', { name: 'Выйти' }).click();
  await page.getByRole('heading', { level: 1, name: 'Вход в Связку' }).waitFor();
  });
  ui.assertAccessible();
  assert.deepEqual(ui.problems.errors, []);
});
