// Every recipe of examples/ end to end against the sandboxes, the way `svyazka recipe run` does it:
// sandboxes, an app on its own data dir, the connections named as the recipe expects, the flow
// imported and set off, and the end state reached — a note written, a deal updated, an order
// created, a stock set, a file exported. One recipe also runs as the real command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECIPES, loadRecipes } from '../../src/recipes/catalog.ts';
import { runRecipe } from '../../src/recipes/run.ts';
import { SCENARIO_IDS } from '../../src/recipes/scenarios.ts';
import { UNLIMITED_PLANS } from '../support/app.ts';

const BIN = new URL('../../bin/svyazka.js', import.meta.url).pathname;
const ENV = { LOG_LEVEL: 'silent', SVYAZKA_RETRY_BASE_MS: '50', SVYAZKA_RETRY_MAX_MS: '1000', SVYAZKA_PLANS_FILE: UNLIMITED_PLANS };

test('every recipe has a flow file in examples/ (or is the export command) and a scenario', () => {
  assert.deepEqual([...SCENARIO_IDS].sort(), RECIPES.map((r) => r.id).sort());
  // Every flow in examples/ is a recipe.
  const files = new Set(RECIPES.map((r) => r.file).filter(Boolean));
  for (const file of readdirSync(new URL('../../examples/', import.meta.url)).filter((f) => f.endsWith('.json'))) assert.ok(files.has(file), file);
  for (const r of loadRecipes()) {
    if (r.file) assert.ok(r.connections.length > 0 || r.connectors.includes('schedule') || r.connectors.includes('webhook'), r.id);
    assert.ok(r.name.ru && r.name.en && r.description.ru && r.description.en, r.id);
  }
});

for (const info of RECIPES) {
  test(`recipe ${info.id} reaches its end state against the sandboxes`, async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'svyazka-recipe-out-'));
    const result = await runRecipe(info.id, { env: ENV, outDir, keep: true });
    try {
      assert.ok(result.ok, `${info.id}: ${result.error}`);
      assert.ok(result.lines.length > 0);
      const env = result.env!;
      // The end state, looked at directly in the sandboxes.
      if (info.id === 'retailcrm-order-note-http') {
        const order = env.crm!.state.orders.at(-1)!;
        assert.ok(env.crm!.state.notes.some((n) => n.customer.id === order.customer.id && n.text.includes(order.number)), 'note written');
        assert.equal((env.echo!.received().find((r) => r.path === '/orders')!.body as { number: string }).number, order.number);
      }
      if (info.id === 'retailcrm-complete-to-calltouch') {
        const order = env.crm!.state.orders.find((o) => o.status === 'complete' && env.ct!.getOrder(o.number)?.orderStatus === 'final');
        assert.ok(order, 'a deal updated to final from its completed order');
        assert.equal(Number(env.ct!.getOrder(order.number)!.plannedAmount), Number(order.totalSumm));
      }
      if (info.id === 'calltouch-deal-to-retailcrm') assert.ok(env.crm!.state.orders.some((o) => String(o.number).startsWith('CT-')));
      if (info.id === 'calltouch-export') {
        const csv = readFileSync(join(outDir, 'deals.csv'), 'utf8');
        assert.ok(csv.startsWith('\ufeff'), 'BOM');
        assert.equal(csv.trim().split(/\r?\n/).length - 1, 20, 'every deal of the data set exported');
      }
      if (info.id === 'retailcrm-calltouch-store-complete') {
        const order = env.crm!.state.orders.at(-1)!;
        assert.equal(env.ct!.getOrder(order.number)!.orderStatus, 'complete');
      }
    } finally {
      await result.env?.close();
      rmSync(result.dataDir, { recursive: true, force: true });
      rmSync(outDir, { recursive: true, force: true });
    }
  });
}

test('svyazka recipe run: one command, a temporary data dir removed after, the end state printed; recipe list', () => {
  const res = spawnSync(process.execPath, [BIN, 'recipe', 'run', 'schedule-to-http', '--json'], { env: { ...process.env, ...ENV }, encoding: 'utf8', timeout: 120_000 });
  assert.equal(res.status, 0, res.stderr);
  const out = JSON.parse(res.stdout);
  assert.equal(out.ok, true);
  assert.match(out.lines[0], /POST \/daily-report/);
  const list = spawnSync(process.execPath, [BIN, 'recipe', 'list'], { env: { ...process.env, ...ENV }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(list.status, 0, list.stderr);
  for (const r of RECIPES) assert.ok(list.stdout.includes(r.id), r.id);
  const unknown = spawnSync(process.execPath, [BIN, 'recipe', 'run', 'nope'], { env: { ...process.env, ...ENV }, encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /No recipe "nope"/);
  assert.ok(!existsSync('nope'));
});
