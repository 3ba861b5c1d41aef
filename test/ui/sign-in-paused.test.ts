// After repeated wrong passwords the server pauses sign-in for the account (429, Retry-After): the
// sign-in page says so with the wait, holds the button while it counts down, then lets the user in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { signIn, startUi } from './support/ui.ts';

test('a paused sign-in is told with its wait, then the admin signs in', { timeout: 300_000 }, async (t) => {
  const ui = await startUi(t);
  if (!ui) return;
  const { page } = ui;
  const email = ui.server.admin.email;
  const attempt = async () => {
    const res = await fetch(`${ui.server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'wrong-password' }) });
    await res.arrayBuffer();
    return { status: res.status, wait: Number(res.headers.get('retry-after') ?? 0) };
  };
  await ui.step(t, 'wrong passwords until the wait is long enough to see in the browser', async () => {
    // 5 free failures, then 1 s, 2 s, 4 s … between allowed ones; stop once a wait is ≥ 16 s, so
    // the page's attempt below surely falls inside it however slow this machine is.
    let last = { status: 0, wait: 0 };
    for (let i = 0; i < 20 && !(last.status === 429 && last.wait >= 16); i++) {
      last = await attempt();
      if (last.status === 429 && last.wait < 16) await sleep(last.wait * 1000 + 50);
    }
    assert.equal(last.status, 429);
  });
  await ui.step(t, 'the page says sign-in is paused and for how long; the button waits', async () => {
    await page.goto('/');
    await page.getByRole('textbox', { name: 'Email' }).fill(email);
    await page.getByRole('textbox', { name: 'Пароль', exact: true }).fill(ui.server.admin.password);
    await page.getByRole('button', { name: 'Войти' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Слишком много попыток входа' });
    await alert.waitFor();
    assert.match(await alert.innerText(), /Попробуйте снова через \d+ с/);
    const button = page.getByRole('button', { name: /Подождите \d+ с/ });
    await button.waitFor();
    assert.equal(await button.isDisabled(), true);
    await ui.checkScreen('sign-in-paused');
  });
  await ui.step(t, 'when the wait is over the admin signs in', async () => {
    await page.getByRole('button', { name: 'Войти' }).waitFor({ timeout: 60_000 });
    await signIn(ui);
  });
  ui.assertAccessible();
  assert.deepEqual(ui.problems.errors, []);
});
