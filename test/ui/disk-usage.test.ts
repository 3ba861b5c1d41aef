// «Тариф и расход» shows the disk: history, journals and the data store as the server's own
// background pass measured them (its first retention run, 30 s after start), against a plan's
// disk limit, with the 100 % warning above the page once the limit was reached.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openFromMenu, signIn, startUi } from './support/ui.ts';

const LIMIT = 20_000;

test('disk usage and the plan limit on the usage screen', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'svyazka-ui-plans-'));
  const plansFile = join(dir, 'plans.json');
  const plan = { id: 'small', label: 'Маленький', transactionsPerMonth: 100_000, ordersPerMonth: 33_333, webhooksPerMonth: 100_000, historyDays: 7, webhooksPerSecond: 1000, marketplaceParsingDays: 5, historyBytes: LIMIT };
  writeFileSync(plansFile, JSON.stringify({ trialPlan: 'small', plans: [plan] }));
  const ui = await startUi(t, { plansFile });
  if (!ui) return;
  const { page, server } = ui;
  const api = (path: string, body: unknown) =>
    fetch(`${server.url}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${server.admin.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  await ui.step(t, 'webhooks over the limit; the server measures and prunes by itself', async () => {
    const flow = await api('/flows', { name: 'Диск', enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'wait', type: 'delay', seconds: 1 }] });
    assert.equal(flow.status, 201, await flow.clone().text());
    const { webhookUrl } = (await flow.json()) as { webhookUrl: string };
    for (let n = 0; n < 30; n++) {
      const res = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n, pad: 'x'.repeat(500) }) });
      assert.equal(res.status, 200);
    }
    // Retention (with the measure and the limit) first runs 30 s after start, then every 10 minutes.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const usage = await ui.read<{ storage: { measuredAt: string | null; historyBytes: number } }>('/usage');
      const notes = await ui.read<{ items: Array<{ kind: string; threshold: number }> }>('/notifications');
      if (usage.storage.measuredAt && notes.items.some((n) => n.kind === 'disk' && n.threshold === 100)) break;
      assert.ok(Date.now() < deadline, `no measure within 2 minutes: ${JSON.stringify(usage.storage)}\n${server.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  await ui.step(t, 'the usage screen: history, journals, store, the limit; the warning above it', async () => {
    await signIn(ui);
    await openFromMenu(page, 'Тариф и расход');
    const line = page.getByTestId('disk-line');
    await line.waitFor();
    assert.match(await line.innerText(), /^Место на диске: история [\d\s,]+ КБ, журналы [\d\s,]+ (КБ|Б), хранилище 0 Б; всего [\d\s,]+ КБ\.$/);
    assert.match(await page.getByTestId('disk-limit').innerText(), /^История и журналы: [\d\s,]+ КБ из 19,5 КБ по тарифу \(\d+ %\)\.$/);
    await page.getByTestId('disk-usage').getByText(/^Измерено /).waitFor();
    await page.getByTestId('quota-banner').filter({ hasText: 'места на диске по тарифу' }).waitFor();
    // The plans table has a disk column once a plan of the catalog sets a limit.
    await page.getByRole('columnheader', { name: 'Место на диске' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'Маленький' }).getByRole('cell', { name: '19,5 КБ' }).waitFor();
    await ui.checkScreen('usage-disk');
  });
  ui.assertAccessible();
  assert.deepEqual(ui.problems.errors, []);
});
