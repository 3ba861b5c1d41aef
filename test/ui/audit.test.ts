// Settings → «Журнал действий»: a change made in the UI shows in the owner's audit log with who,
// the action in words and the target; the screen is readable and accessible.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn, startUi } from './support/ui.ts';

test('the owner sees a change in the audit log tab', { timeout: 300_000 }, async (t) => {
  const ui = await startUi(t);
  if (!ui) return;
  const { page } = ui;
  await ui.step(t, 'create a token in settings, find it in the audit log', async () => {
    await signIn(ui);
    await page.goto('/settings?tab=tokens');
    await page.getByRole('textbox', { name: 'Название' }).fill('Для журнала');
    await page.getByRole('button', { name: 'Создать токен' }).click();
    await page.getByTestId('new-token').waitFor();

    await page.getByRole('tab', { name: 'Журнал действий' }).click();
    const table = page.getByRole('table', { name: 'Журнал действий' });
    const row = table.getByRole('row').filter({ hasText: 'Создан API-токен' });
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /admin@localhost/);
    assert.match(text, /Для журнала/);
    assert.match(text, /роль: Редактор/);
    assert.doesNotMatch(await table.innerText(), /svz_/, 'no token secret in the log');
    await ui.checkScreen('settings-audit');
  });
  const api = await ui.read<{ items: Array<{ action: string; target: { name: string } }> }>('/audit?action=token.create');
  assert.deepEqual(api.items.map((e) => e.target.name), ['Для журнала']);
  ui.assertAccessible();
  assert.deepEqual(ui.problems.errors, []);
});
