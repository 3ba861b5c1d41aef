import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cashbackFor } from '../../src/plans/cashback.ts';
import { suggestPlan } from '../../src/plans/calculator.ts';
import { DEFAULT_CATALOG, loadPlanCatalog } from '../../src/plans/catalog.ts';
import { tempDataDir } from '../support/app.ts';
import { readSeed, seedsMissing } from '../support/seeds.ts';

const num = (s: string) => Number(s.replace(/[^\d]/g, ''));

test('every plan figure matches the table of the source page', { skip: seedsMissing }, () => {
  const readme = readSeed('README.md');
  const rows = readme
    .split('\n')
    .filter((l) => /^\| [\d ]+ \| [\d ]+ \| [\d ]+ \| \d+ days \|/.test(l))
    .map((l) => l.split('|').slice(1, -1).map((c) => num(c)));
  assert.equal(rows.length, 6, 'six plans in the seed table');
  assert.deepEqual(
    DEFAULT_CATALOG.plans.map((p) => [p.transactionsPerMonth, p.ordersPerMonth, p.webhooksPerMonth, p.historyDays, p.webhooksPerSecond, p.marketplaceParsingDays]),
    rows,
  );
  // The page itself, line by line, says the same for each plan.
  const page = readSeed('001_098f318c3b2667cc.txt');
  for (const p of DEFAULT_CATALOG.plans) {
    const t = p.transactionsPerMonth.toLocaleString('ru-RU').replace(/\u00a0/g, ' ');
    assert.ok(page.includes(`${t} транзакций / мес.`), t);
    assert.equal(p.connectionsPerService, null, 'unlimited connections');
  }
  assert.equal(DEFAULT_CATALOG.trialDays, 30);
});

test('an operator catalog file is validated at start with clear errors', () => {
  const dir = tempDataDir();
  const good = join(dir, 'plans.yaml');
  writeFileSync(good, `trialPlan: small\nplans:\n  - {id: small, label: Small, transactionsPerMonth: 100, ordersPerMonth: 33, webhooksPerMonth: 1000, historyDays: 3, webhooksPerSecond: 2, marketplaceParsingDays: 5, priceKopecks: 99000}\n`);
  const loaded = loadPlanCatalog(good);
  assert.equal(loaded.plans[0].priceKopecks, 99000);
  assert.equal(loaded.trialDays, 30);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ trialPlan: 'nope', plans: [{ id: 'Bad Id', label: 'x' }] }));
  assert.throws(() => loadPlanCatalog(bad), /Invalid plans file .*plans\.0\.id: plan id.*plans\.0\.transactionsPerMonth/s);
  const wrongTrial = join(dir, 'trial.json');
  writeFileSync(wrongTrial, JSON.stringify({ ...DEFAULT_CATALOG, trialPlan: 'nope' }));
  assert.throws(() => loadPlanCatalog(wrongTrial), /trialPlan "nope" is not one of the plans/);
  assert.throws(() => loadPlanCatalog(join(dir, 'missing.yaml')), /Cannot read the plans file/);
});

test('cashback tiers at and around every boundary, in kopecks', () => {
  const rub = (r: number) => r * 100;
  const cases: Array<[number, number, number]> = [
    [rub(9_999.99), 0, 0],
    [rub(10_000) - 1, 0, 0],
    [rub(10_000), 5, rub(500)],
    [rub(19_999), 5, Math.floor(rub(19_999) * 0.05)],
    [rub(20_000), 10, rub(2_000)],
    [rub(29_999.99), 10, Math.floor((rub(29_999.99) * 10) / 100)],
    [rub(30_000), 15, rub(4_500)],
    [rub(40_000), 20, rub(8_000)],
    [rub(49_999), 20, Math.floor(rub(49_999) * 0.2)],
    [rub(50_000), 25, rub(12_500)],
    [rub(1_000_000), 25, rub(250_000)],
    [0, 0, 0],
  ];
  for (const [amount, percent, cashback] of cases) assert.deepEqual(cashbackFor(Math.round(amount)), { percent, cashbackKopecks: Math.round(cashback) }, String(amount));
  // The page's "итоговая сумма на балансе": 10 500, 22 000, 34 500, 48 000, 62 500 ₽.
  for (const [paid, total] of [[10_000, 10_500], [20_000, 22_000], [30_000, 34_500], [40_000, 48_000], [50_000, 62_500]]) {
    assert.equal(rub(paid) + cashbackFor(rub(paid)).cashbackKopecks, rub(total));
  }
  assert.throws(() => cashbackFor(-1), RangeError);
  assert.throws(() => cashbackFor(1.5), RangeError);
});

test('plan calculator: orders → transactions × 3–4 and webhooks → the cheapest plan that fits', () => {
  const s500 = suggestPlan(DEFAULT_CATALOG, { orders: 500 });
  assert.equal(s500.transactionsLow, 1500);
  assert.equal(s500.transactionsHigh, 2000);
  assert.equal(s500.webhooksPerMonth, 10_000);
  assert.equal(s500.plan?.id, 't5000');
  assert.match(s500.steps.join('\n'), /500 × 3–4 = 1 500–2 000/);
  assert.equal(suggestPlan(DEFAULT_CATALOG, { orders: 300 }).plan?.id, 't1200', '1 200 transactions, 6 000 webhooks');
  assert.equal(suggestPlan(DEFAULT_CATALOG, { orders: 300, webhooks: 20_000 }).plan?.id, 't5000', 'webhooks decide');
  assert.equal(suggestPlan(DEFAULT_CATALOG, { orders: 12_500 }).plan?.id, 't50000');
  const none = suggestPlan(DEFAULT_CATALOG, { orders: 200_000 });
  assert.equal(none.plan, null);
  assert.match(none.steps[2], /no plan covers/);
  assert.throws(() => suggestPlan(DEFAULT_CATALOG, { orders: -1 }), RangeError);
});
