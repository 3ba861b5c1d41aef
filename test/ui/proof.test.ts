// Issue 8's proof, by clicking only, against the real server (`svyazka serve`) and the vendors'
// sandboxes: sign in; add and test connections; build "RetailCRM order.changed → Calltouch
// order.update" with the field picker on a sample the RetailCRM sandbox fires; run it; make a step
// fail, fix the mapping and retry with the current version; replay a webhook; usage moves; switch
// language. The API is only read, to assert. Screenshots and axe-core on every main screen.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { addConnection, choose, eventually } from './support/clicks.ts';
import { openFromMenu, signIn, startUi, type Ui } from './support/ui.ts';

const FLOW = 'RetailCRM заказ изменён → сделка Calltouch';

/** The step card of the flow editor: a section named «Шаг N: id». */
const stepCard = (page: Page, n: number) => page.getByRole('region', { name: new RegExp(`^Шаг ${n}:`) });

/** Inserts a trigger field into a template input with the field picker (search by id, pick the exact id). */
async function pickField(page: Page, scope: Locator, fieldLabel: string, fieldId: string): Promise<void> {
  await scope.getByRole('button', { name: `Вставить поле в «${fieldLabel}»` }).click();
  await page.getByRole('textbox', { name: 'Найти поле' }).fill(fieldId);
  await page
    .getByRole('list', { name: 'Поля' })
    .getByRole('listitem')
    .filter({ has: page.locator('code', { hasText: new RegExp(`^${fieldId.replace(/\./g, '\\.')}$`) }) })
    .first()
    .click();
}

async function saveFlow(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Сохранить', exact: true }).click();
  await page.getByText('Связка сохранена').first().waitFor();
}

async function transactionsOnChart(page: Page): Promise<number> {
  const text = await page.getByTestId('chart-transactions').getByText(/Всего за период/).innerText();
  return Number(text.replace(/\D/g, ''));
}

test('the issue 8 proof, by clicking', { timeout: 900_000 }, async (t) => {
  const ui = await startUi(t);
  if (!ui) return;
  const { page, sandboxes } = ui;
  const crm = sandboxes.retailcrm;
  // The order the CRM user will change; Calltouch already has a deal for it (a tracked call).
  const order = crm.state.orders[crm.state.orders.length - 1];
  await sandboxes.calltouchDeal(String(order.number));
  let flowId = '';

  await ui.step(t, '1. sign in with the printed admin', async () => {
    await signIn(ui);
    await page.getByRole('heading', { level: 1, name: 'Связки' }).waitFor();
    await ui.checkScreen('flows-empty');
  });

  await ui.step(t, '2. add a RetailCRM connection to the sandbox and test it (and Calltouch)', async () => {
    await openFromMenu(page, 'Подключения');
    await page.getByRole('heading', { level: 1, name: 'Подключения' }).waitFor();
    await ui.checkScreen('connections-empty');
    let dialog = await addConnection(page, 'RetailCRM', { 'Адрес аккаунта': crm.baseUrl, 'API-ключ': crm.apiKey, 'Код магазина': crm.site });
    await dialog.getByText('Подключение работает').waitFor();
    await ui.shot('connection-tested');
    await dialog.getByRole('button', { name: 'Готово' }).click();
    const ct = sandboxes.calltouch.credentials;
    dialog = await addConnection(page, 'Calltouch', { 'ID сайта': ct.siteId, 'Токен API (clientApiId)': ct.clientApiId, 'Ключ Access-Token': ct.accessToken, 'Узел API': ct.nodeHost });
    await dialog.getByText('Подключение работает').waitFor();
    await dialog.getByRole('button', { name: 'Готово' }).click();
    await page.getByRole('cell', { name: 'Calltouch' }).first().waitFor();
    await ui.checkScreen('connections');
    const saved = await ui.read<{ items: Array<{ connector: string }> }>('/connections');
    assert.deepEqual(saved.items.map((c) => c.connector).sort(), ['calltouch', 'retailcrm']);
  });

  await ui.step(t, '3. build RetailCRM order.changed → Calltouch order.update with the field picker on a sample the sandbox fires; save; enable', async () => {
    await openFromMenu(page, 'Связки');
    await page.getByRole('link', { name: 'Создать связку' }).first().click();
    await page.getByRole('textbox', { name: 'Название', exact: true }).fill(FLOW);
    const trigger = page.getByTestId('trigger-card');
    await choose(trigger, 'Сервис', 'RetailCRM');
    await choose(trigger, 'Событие', /order\.changed/);
    await choose(trigger, 'Подключение', 'RetailCRM');
    await ui.checkScreen('editor-trigger');
    // The webhook address appears once the flow is saved (disabled); then the RetailCRM trigger is set up with it.
    await trigger.getByRole('button', { name: 'Получить адрес' }).click();
    const url = (await trigger.getByTestId('webhook-url').innerText()).trim();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/hooks\//);
    await trigger.getByText('Как настроить в сервисе').waitFor();
    crm.addTrigger({ event: 'order.changed', url, params: { 'order[id]': '{{ order.id }}' } });

    await trigger.getByRole('button', { name: 'Ждём тестовый вебхук' }).click();
    await trigger.getByRole('status').filter({ hasText: 'Ждём…' }).waitFor();
    crm.userEdit(order.id, { status: 'assembling' }); // a CRM user changes the order: the sandbox fires its trigger
    await trigger.getByText('Вебхук получен').waitFor();
    await ui.shot('editor-sample');

    await page.getByRole('button', { name: 'Добавить шаг' }).last().click();
    await page.getByRole('menuitem', { name: /^Действие/ }).click();
    const step = stepCard(page, 1);
    await choose(step, 'Сервис', 'Calltouch');
    await choose(step, 'Действие', /order\.update/);
    await choose(step, 'Подключение', 'Calltouch');
    await pickField(page, step, 'ID сделки в CRM', 'number');
    assert.equal(await step.getByRole('textbox', { name: /ID сделки в CRM/ }).inputValue(), '{{trigger.number}}');
    await step.getByRole('button', { name: /Показать остальные поля/ }).click().catch(() => undefined);
    await pickField(page, step, 'Статус сделки', 'status');
    assert.equal(await step.getByRole('textbox', { name: /Статус сделки/ }).inputValue(), '{{trigger.status}}');
    await saveFlow(page);
    await page.getByRole('switch', { name: 'Включена' }).click(); // the switch turns on once the server has enabled the flow
    await page.getByRole('switch', { name: 'Включена', checked: true }).waitFor();
    await ui.checkScreen('editor');
    flowId = new URL(page.url()).pathname.split('/').pop()!;
    const saved = await ui.read(`/flows/${flowId}`);
    assert.equal(saved.enabled, true);
    assert.equal(saved.definition.trigger.event, 'order.changed');
    assert.equal(saved.definition.steps[0].action, 'order.update');
  });

  await ui.step(t, '4. fire the sandbox trigger; the execution succeeds; open its step journal', async () => {
    crm.userEdit(order.id, { status: 'complete' });
    await openFromMenu(page, 'История запусков');
    await page.getByRole('heading', { level: 1, name: 'История запусков' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: FLOW }).filter({ hasText: 'Успешно' }).first();
    await row.waitFor({ timeout: 90_000 });
    await ui.checkScreen('executions');
    await row.getByRole('link').first().click();
    await page.getByRole('heading', { level: 1, name: new RegExp(`Запуск связки «${FLOW}»`) }).waitFor();
    await page.getByText('Шаги', { exact: true }).first().waitFor();
    await ui.checkScreen('execution');
    assert.equal(sandboxes.calltouch.getOrder(String(order.number))?.orderStatus, 'complete');
  });

  await ui.step(t, '5. a step fails (the Calltouch sandbox answers 400 to a bad currency); fix the mapping; retry with the current version', async () => {
    await page.goto(`/flows/${flowId}`);
    const step = stepCard(page, 1);
    await step.getByRole('button', { name: /Показать остальные поля/ }).click();
    const currency = step.getByRole('textbox', { name: /^Валюта/ });
    await currency.fill('рубли'); // Calltouch wants an ISO 4217 code
    await saveFlow(page);
    crm.userEdit(order.id, { status: 'delivering' });
    await openFromMenu(page, 'История запусков');
    const failed = page.getByRole('row').filter({ hasText: FLOW }).filter({ hasText: 'Ошибка' }).first();
    await failed.waitFor({ timeout: 90_000 });
    await failed.getByRole('link').first().click();
    await page.getByText(/Недопустимое значение currency/).first().waitFor();
    const failedUrl = page.url();
    const failedRun = await ui.read(`/executions/${failedUrl.split('/').pop()}`);
    assert.match(String(failedRun.error), /400|currency/);
    await ui.checkScreen('execution-failed');

    // Fix the mapping.
    await page.goto(`/flows/${flowId}`);
    await currency.fill('RUB');
    await saveFlow(page);

    await page.goto(failedUrl);
    await page.getByRole('button', { name: 'Повторить' }).click();
    const dialog = page.getByRole('dialog', { name: 'Повторить запуск' });
    await dialog.getByRole('button', { name: 'Как было запущено' }).waitFor();
    await ui.shot('retry-choice');
    await dialog.getByRole('button', { name: 'С текущей версией связки' }).click();
    // The page follows the run by itself: the failed step turns green.
    await page.locator('[data-step-id="action_1"]').getByText('Успешно', { exact: true }).first().waitFor({ timeout: 90_000 });
    await page.getByText('Запуск ещё идёт').waitFor({ state: 'hidden' });
    await ui.shot('execution-retried');
    await eventually('Calltouch deal status after retry', async () => sandboxes.calltouch.getOrder(String(order.number))?.orderStatus, (s) => s === 'delivering');
  });

  await ui.step(t, '6. replay a webhook; usage moves on the chart; English and back', async () => {
    await openFromMenu(page, 'Тариф и расход');
    await page.getByRole('heading', { level: 1, name: 'Тариф и расход' }).waitFor();
    await page.getByTestId('chart-transactions').waitFor();
    const before = await transactionsOnChart(page);
    assert.ok(before >= 2, `transactions on the chart before the replay: ${before}`);
    await ui.checkScreen('usage');

    await openFromMenu(page, 'Вебхуки');
    await page.getByRole('heading', { level: 1, name: 'Вебхуки' }).waitFor();
    await ui.checkScreen('webhooks');
    await page.getByRole('row').filter({ hasText: FLOW }).first().getByRole('link').first().click();
    await page.getByRole('heading', { level: 1 }).filter({ hasText: FLOW }).waitFor();
    await ui.checkScreen('webhook');
    await page.getByRole('button', { name: 'Повторить (replay)' }).click();
    await page.getByRole('button', { name: 'Запустить ещё раз' }).click();
    await eventually('executions after the replay', () => ui.read<{ items: Array<{ origin?: string; status: string }> }>(`/executions?flowId=${flowId}`), (r) => r.items.some((e) => e.origin === 'replay' && e.status === 'succeeded'));

    await openFromMenu(page, 'Тариф и расход');
    await eventually('transactions on the chart after the replay', async () => {
      await page.reload();
      await page.getByTestId('chart-transactions').waitFor();
      return transactionsOnChart(page);
    }, (n) => n > before);
    await ui.shot('usage-after-replay');

    await page.getByRole('radiogroup', { name: 'Язык' }).getByText('EN', { exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Usage & plan' }).or(page.getByRole('navigation').getByRole('link', { name: 'Flows' })).first().waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'Flows', exact: true }).waitFor();
    await ui.checkScreen('usage-en');
    await page.getByRole('radiogroup', { name: 'Language' }).getByText('RU', { exact: true }).click();
    await page.getByRole('navigation').getByRole('link', { name: 'Связки', exact: true }).waitFor();
    await openFromMenu(page, 'Связки');
    await page.getByRole('row').filter({ hasText: FLOW }).waitFor();
    await ui.checkScreen('flows');
    await openFromMenu(page, 'Настройки');
    await page.getByRole('heading', { level: 1 }).waitFor();
    await ui.checkScreen('settings');
  });

  await t.test('axe-core: no serious or critical violations on the main screens', () => ui.assertAccessible());
  assert.deepEqual(ui.problems.errors, [], 'errors in the page');
});

export type { Ui };
