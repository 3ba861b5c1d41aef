// Settings → «Переменные»: add a secret and a plain variable by clicking; the secret shows as
// «сохранено» and its value is never on the page again; edit the plain one; delete one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn, startUi } from './support/ui.ts';

const SECRET = 'ui-secret-4f1a9c77e0';

test('workspace variables in the settings', { timeout: 300_000 }, async (t) => {
  const ui = await startUi(t);
  if (!ui) return;
  const { page } = ui;
  await signIn(ui);

  await ui.step(t, 'add a secret and a plain variable; the secret is «сохранено»', async () => {
    await page.goto('/settings?tab=variables');
    await page.getByText('Переменных пока нет').waitFor();
    const form = page.getByTestId('variable-form');
    await form.getByRole('textbox', { name: 'Имя' }).fill('API_KEY');
    await form.getByRole('textbox', { name: 'Значение' }).fill(SECRET);
    assert.equal(await form.getByRole('switch', { name: 'Секрет' }).isChecked(), true, 'a new variable is secret unless told otherwise');
    await form.getByRole('button', { name: 'Сохранить' }).click();
    const table = page.getByTestId('variables-table');
    await table.getByRole('row').filter({ hasText: '{{vars.API_KEY}}' }).getByText('сохранено').waitFor();
    assert.equal(await form.getByRole('textbox', { name: 'Имя' }).inputValue(), '', 'the form is cleared');

    await form.getByRole('textbox', { name: 'Имя' }).fill('SHOP_URL');
    await form.getByRole('textbox', { name: 'Значение' }).fill('https://shop.example.ru');
    await form.getByRole('switch', { name: 'Секрет' }).uncheck({ force: true });
    await form.getByRole('button', { name: 'Сохранить' }).click();
    await table.getByRole('row').filter({ hasText: '{{vars.SHOP_URL}}' }).getByText('https://shop.example.ru').waitFor();
    await ui.checkScreen('variables');
    assert.equal((await page.content()).includes(SECRET), false, 'the secret is not on the page');
  });

  await ui.step(t, 'a bad name is told in place; edit keeps a secret when its value is left empty', async () => {
    const form = page.getByTestId('variable-form');
    await form.getByRole('textbox', { name: 'Имя' }).fill('1bad');
    await form.getByText('Латинские буквы, цифры и _').waitFor();
    await form.getByRole('textbox', { name: 'Имя' }).fill('');

    await page.getByRole('button', { name: 'Изменить переменную API_KEY' }).click();
    await page.getByRole('heading', { name: 'Переменная API_KEY' }).waitFor();
    await page.getByTestId('variable-form').getByRole('button', { name: 'Сохранить' }).click();
    await page.getByRole('heading', { name: 'Новая переменная' }).waitFor();
    const stored = await ui.read<{ items: Array<{ name: string; secret: boolean; value: string | null }> }>('/variables');
    assert.deepEqual(stored.items.map((v) => [v.name, v.secret, v.value]), [['API_KEY', true, null], ['SHOP_URL', false, 'https://shop.example.ru']]);
  });

  await ui.step(t, 'delete asks first, then the row is gone', async () => {
    await page.getByRole('button', { name: 'Удалить переменную SHOP_URL' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Удалить' }).click();
    await page.getByTestId('variables-table').getByText('{{vars.SHOP_URL}}').waitFor({ state: 'detached' });
    const stored = await ui.read<{ items: Array<{ name: string }> }>('/variables');
    assert.deepEqual(stored.items.map((v) => v.name), ['API_KEY']);
  });
  assert.deepEqual(ui.problems.errors, []);
});
