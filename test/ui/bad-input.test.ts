// Bad input, by clicking: each is told in place, in words, never as a blank page or a stack —
// a connection that fails its test, a template naming a step that does not exist, an imported
// filter with an unknown operator, a session that has ended.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addConnection, choose } from './support/clicks.ts';
import { assertReadable } from './support/evidence.ts';
import { openFromMenu, signIn, startUi } from './support/ui.ts';

const BAD_FILTER_FLOW = {
  name: 'Импорт с неизвестным условием',
  trigger: { connector: 'webhook', event: 'incoming' },
  steps: [{ id: 'onlyPaid', type: 'filter', all: [{ left: '{{trigger.status}}', op: 'is_kinda', right: 'paid' }] }],
};

test('bad input is told in place', { timeout: 600_000 }, async (t) => {
  const ui = await startUi(t);
  if (!ui) return;
  const { page, sandboxes } = ui;
  const crm = sandboxes.retailcrm;
  await signIn(ui);

  await ui.step(t, 'a connection that fails its test says why', async () => {
    await openFromMenu(page, 'Подключения');
    const dialog = await addConnection(page, 'RetailCRM', { 'Адрес аккаунта': crm.baseUrl, 'API-ключ': 'not-the-key', 'Код магазина': crm.site });
    const alert = dialog.getByRole('alert').filter({ hasText: 'Подключение не работает' });
    await alert.waitFor();
    const text = await alert.innerText();
    assert.ok(text.length > 'Подключение не работает'.length + 10, `the connector's explanation is shown: ${text}`);
    await assertReadable(page, 'connection test failed');
    await ui.checkScreen('connection-test-failed');
    await dialog.getByRole('button', { name: /Закрыть|Close/ }).first().click().catch(() => page.keyboard.press('Escape'));
  });

  await ui.step(t, 'a template with an unknown step id is shown on its field', async () => {
    await openFromMenu(page, 'Связки');
    await page.getByRole('link', { name: 'Создать связку' }).first().click();
    await page.getByRole('textbox', { name: 'Название', exact: true }).fill('Шаблон с чужим шагом');
    await choose(page.getByTestId('trigger-card'), 'Сервис', 'Входящий вебхук');
    await page.getByRole('button', { name: 'Добавить шаг' }).last().click();
    await page.getByRole('menuitem', { name: /^Значения/ }).click();
    const step = page.getByRole('region', { name: /^Шаг 1:/ });
    await step.getByRole('textbox', { name: 'Значение' }).first().fill('{{steps.nope.id}}');
    await page.getByRole('button', { name: 'Сохранить', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Связка не сохранена' }).waitFor();
    await step.getByText(/unknown step id "nope"/).first().waitFor();
    await assertReadable(page, 'unknown step id');
    await ui.checkScreen('template-unknown-step');
  });

  await ui.step(t, 'an imported filter with an unknown operator is refused with the reason', async () => {
    await page.goto('/flows');
    page.once('dialog', (d) => void d.accept()); // "leave without saving?" from the editor
    await page.getByRole('heading', { level: 1, name: 'Связки' }).waitFor();
    await page.getByRole('button', { name: 'Импорт' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Импорт связки' });
    await dialog.getByRole('textbox', { name: 'Текст связки (JSON или YAML)' }).fill(JSON.stringify(BAD_FILTER_FLOW, null, 2));
    await dialog.getByRole('button', { name: 'Импортировать' }).click();
    const alert = dialog.getByRole('alert').filter({ hasText: 'Не удалось импортировать' });
    await alert.waitFor();
    assert.match(await alert.innerText(), /op|is_kinda|оператор|услови/i);
    await assertReadable(page, 'import with unknown operator');
    await ui.checkScreen('import-unknown-operator');
    const flows = await ui.read<{ items: unknown[] }>('/flows');
    assert.equal(flows.items.length, 0, 'nothing was imported');
  });

  await ui.step(t, 'an ended session sends to the sign-in page with a word why', async () => {
    await page.goto('/flows');
    await page.getByRole('heading', { level: 1, name: 'Связки' }).waitFor();
    await ui.context.clearCookies();
    await openFromMenu(page, 'Подключения');
    await page.getByRole('heading', { level: 1, name: 'Вход в Связку' }).waitFor();
    await page.getByText(/Сессия закончилась/).waitFor();
    await assertReadable(page, 'session ended');
    await ui.checkScreen('session-ended');
    await signIn(ui);
  });

  await t.test('axe-core: no serious or critical violations', () => ui.assertAccessible());
  assert.deepEqual(ui.problems.errors, [], 'errors in the page');
});
