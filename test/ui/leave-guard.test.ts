// Unsaved changes in the flow editor are not lost by leaving: a link or Back asks first, and
// "stay" keeps the draft; the editor's own move from /flows/new to the saved flow asks nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { choose, eventually } from './support/clicks.ts';
import { openFromMenu, signIn, startUi } from './support/ui.ts';

test('leaving the editor with unsaved changes asks first', { timeout: 300_000 }, async (t) => {
  const ui = await startUi(t, { sandboxes: false });
  if (!ui) return;
  const { page } = ui;
  const asked: string[] = [];
  let answer = false;
  const askedTimes = (n: number) => eventually(`${n} question(s)`, async () => asked.length, (count) => count >= n);
  page.on('dialog', (dialog) => {
    asked.push(dialog.type());
    void (answer ? dialog.accept() : dialog.dismiss());
  });

  await ui.step(t, 'a menu link and Back are held while the draft is unsaved', async () => {
    await signIn(ui);
    await openFromMenu(page, 'Связки');
    await page.getByRole('link', { name: 'Создать связку' }).first().click();
    const name = page.getByRole('textbox', { name: 'Название', exact: true });
    await name.fill('Черновик');

    await openFromMenu(page, 'Подключения');
    await askedTimes(1);
    assert.deepEqual(asked, ['confirm'], 'the menu link asked');
    assert.match(new URL(page.url()).pathname, /^\/flows\/new$/);
    assert.equal(await name.inputValue(), 'Черновик', 'the draft is still there');

    await page.goBack();
    await askedTimes(2);
    await name.waitFor();
    assert.match(new URL(page.url()).pathname, /^\/flows\/new$/, 'Back was held');
    assert.equal(await name.inputValue(), 'Черновик');

    answer = true;
    await openFromMenu(page, 'Подключения');
    await askedTimes(3);
    await page.getByRole('heading', { level: 1, name: 'Подключения' }).waitFor();
  });

  await ui.step(t, 'saving a new flow moves to its address without asking', async () => {
    answer = false;
    await openFromMenu(page, 'Связки');
    await page.getByRole('link', { name: 'Создать связку' }).first().click();
    await page.getByRole('textbox', { name: 'Название', exact: true }).fill('Сохраняемая');
    // Saved without a trigger: the reason is on the fields, in the UI's language.
    await page.getByRole('button', { name: 'Сохранить', exact: true }).click();
    await page.getByTestId('trigger-card').getByText('Выберите сервис триггера').waitFor();
    assert.equal(await page.getByText('Choose the trigger').count(), 0, 'only the Russian half is shown');
    const trigger = page.getByTestId('trigger-card');
    await choose(trigger, 'Сервис', 'Входящий вебхук');
    await choose(trigger, 'Событие', /incoming/);
    const before = asked.length;
    await page.getByRole('button', { name: 'Сохранить', exact: true }).click();
    await page.waitForURL((url) => /^\/flows\/[a-z0-9_]+$/.test(url.pathname) && !url.pathname.endsWith('/new'));
    await page.getByText('Связка сохранена').first().waitFor();
    assert.equal(asked.length, before, 'no question for the editor\'s own move');
    assert.doesNotMatch(new URL(page.url()).pathname, /\/new$/);
  });
});
