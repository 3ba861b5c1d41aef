// The operator and invitations, by clicking: the first admin (the operator) finds the operator
// screen in the menu, sees every workspace with its plan and tops one up; the members tab invites
// by email with the neutral answer and lists the invitation; the invited user (account made with
// the CLI) sees it after signing in, accepts it, and sees no billing buttons.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { databaseEnvOf } from '../support/database.ts';
import { openPage } from './support/browser.ts';
import { UNLIMITED_PLANS } from './support/server.ts';
import { signIn, startUi } from './support/ui.ts';

/** The CLI on the server's data: its data dir, and its PostgreSQL database when the suite runs on one. */
function cli(dataDir: string, ...args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn('node_modules/.bin/node', ['bin/svyazka.js', ...args], { env: { ...process.env, ...databaseEnvOf(dataDir), SVYAZKA_DATA_DIR: dataDir, SVYAZKA_PLANS_FILE: UNLIMITED_PLANS, LOG_LEVEL: 'silent' }, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', resolve);
  });
}

test('the operator screen and invitations', { timeout: 300_000 }, async (t) => {
  const ui = await startUi(t);
  if (!ui) return;
  const { page } = ui;

  await ui.step(t, 'the first admin is the operator: the operator screen lists the workspace, a top-up shows in its balance', async () => {
    await signIn(ui);
    await page.getByRole('navigation').getByRole('link', { name: 'Оператор' }).click();
    await page.getByRole('heading', { level: 1, name: 'Оператор сервиса' }).waitFor();
    const row = page.getByTestId('operator-workspace-default');
    await row.waitFor();
    await row.getByRole('button', { name: 'Тариф и баланс пространства «Default»' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Сумма, ₽' }).first().fill('1500');
    await dialog.getByRole('button', { name: 'Пополнить' }).click();
    await page.getByText(/Баланс пополнен/).waitFor();
    await dialog.getByRole('button', { name: 'Закрыть' }).first().click();
    await row.filter({ hasText: /1\s?500/ }).waitFor();
    await ui.shot('operator-screen');
  });

  await ui.step(t, 'members: an invitation by email gets the neutral answer and waits in the list', async () => {
    await page.goto('/settings?tab=members');
    await page.getByRole('textbox', { name: 'Эл. почта' }).fill('newcomer@shop.local');
    await page.getByRole('button', { name: 'Пригласить' }).click();
    await page.getByTestId('invitation-sent').filter({ hasText: 'Приглашение для newcomer@shop.local отправлено. Если у этого адреса есть учётная запись' }).waitFor();
    await page.getByRole('button', { name: 'Отозвать приглашение для newcomer@shop.local' }).waitFor();
    await ui.shot('members-invited');
  });

  await ui.step(t, 'the invited user signs in, accepts, and sees no billing buttons', async () => {
    assert.equal(await cli(ui.server.dataDir, 'user', 'create', '--email', 'newcomer@shop.local', '--password', 'newcomer-password', '--no-member'), 0);
    const other = await openPage(ui.browser, ui.server.url);
    try {
      const p = other.page;
      await p.goto('/');
      await p.getByRole('textbox', { name: 'Email' }).fill('newcomer@shop.local');
      await p.getByRole('textbox', { name: 'Пароль', exact: true }).fill('newcomer-password');
      await p.getByRole('button', { name: 'Войти' }).click();
      const invitation = p.getByTestId('my-invitations');
      await invitation.filter({ hasText: 'Приглашение в пространство «Default»' }).waitFor();
      await invitation.getByRole('button', { name: 'Принять' }).click();
      await p.getByRole('navigation').getByRole('link', { name: 'Тариф и расход' }).click();
      await p.getByText('Тариф меняет оператор сервиса — обратитесь к нему.').waitFor();
      assert.equal(await p.getByRole('button', { name: 'Перейти на тариф' }).count(), 0, 'no plan buttons for a member');
      assert.equal(await p.getByRole('navigation').getByRole('link', { name: 'Оператор' }).count(), 0, 'no operator screen for a member');
      assert.deepEqual(other.problems.errors, []);
    } finally {
      await other.context.close();
    }
  });
  assert.deepEqual(ui.problems.errors, []);
});
