// Polling told honestly: each polling flow carries its monthly estimate (polls × at least one
// request each, a lower bound) in the API, `flow show` and `plan suggest`; the first poll starts
// from now unless `start: lookBack` says how many days to fetch at once (RetailCRM history,
// Calltouch journal); own changes skipped by skipOwnChanges are counted where the flow is shown.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { builtinConnectors } from '../../src/connectors/index.ts';
import { calltouchDeals, generateDemoData } from '../../src/connectors/demo-data.ts';
import { formatDmy } from '../../src/connectors/calltouch/client.ts';
import { startCalltouchSandbox, type CalltouchSandbox } from '../../src/connectors/calltouch/sandbox.ts';
import { startRetailcrmSandbox, type RetailcrmSandbox } from '../../src/connectors/retailcrm/sandbox.ts';
import { MONTH_SECONDS, pollEstimate } from '../../src/engine/poll-estimate.ts';
import { suggestPlan } from '../../src/plans/calculator.ts';
import { loadPlanCatalog } from '../../src/plans/catalog.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { databaseEnvOf } from '../support/database.ts';

const BIN = new URL('../../bin/svyazka.js', import.meta.url).pathname;
const DAY = 86_400_000;
let app: TestApp;
let crm: RetailcrmSandbox;
let ct: CalltouchSandbox;

before(async () => {
  const data = generateDemoData({ seed: 3, days: 10, orders: 10 });
  crm = await startRetailcrmSandbox({ seed: 3, dataSet: data });
  const today = Math.floor(data.now / DAY) * DAY;
  ct = await startCalltouchSandbox({ seed: 3, records: 0, startDate: formatDmy(today - 10 * DAY), days: 11, deals: calltouchDeals(data) });
  app = await startTestApp();
  assert.equal((await app.api('/api/v1/connections', { body: { name: 'crm', connector: 'retailcrm', auth: crm.credentials } })).status, 201);
  assert.equal((await app.api('/api/v1/connections', { body: { name: 'ct', connector: 'calltouch', auth: ct.credentials } })).status, 201);
});
after(async () => {
  await app?.close();
  await crm?.close();
  await ct?.close();
});

const historyFlow = (name: string, options: Record<string, unknown>, event = 'order.changed') => ({
  name,
  enabled: true,
  trigger: { connector: 'retailcrm', event, connection: 'crm', options: { delivery: 'poll', intervalSeconds: 3600, ...options } },
  steps: [{ id: 'v', type: 'set', values: { number: '{{trigger.number}}' } }],
});

test('the estimate: polls a month at the interval, at least one transaction each; none for webhooks and schedules', () => {
  const connectors = builtinConnectors();
  const history = connectors.flowTrigger({ connector: 'retailcrm', event: 'order.changed', options: { delivery: 'poll' } });
  const every60 = pollEstimate(history, { delivery: 'poll', intervalSeconds: 60 })!;
  assert.deepEqual([every60.intervalSeconds, every60.pollsPerMonth, every60.transactionsPerMonth, every60.lowerBound], [60, 43_200, 43_200, true]);
  assert.match(every60.note.ru, /не меньше 43 200 транзакций/);
  const journal = connectors.flowTrigger({ connector: 'calltouch', event: 'order.new', options: {} });
  assert.equal(pollEstimate(journal, {})!.pollsPerMonth, MONTH_SECONDS / 300, "Calltouch's default 300 s");
  assert.equal(pollEstimate(connectors.flowTrigger({ connector: 'retailcrm', event: 'order.changed', options: { delivery: 'webhook' } }), { delivery: 'webhook' }), null);
  assert.equal(pollEstimate(connectors.flowTrigger({ connector: 'schedule', event: 'cron', options: {} }), { cron: '* * * * *' }), null);
});

test('the trigger says where the first poll starts: now by default, lookBack on request', () => {
  const catalog = builtinConnectors();
  for (const [connector, event, options] of [['retailcrm', 'order.changed', { delivery: 'poll' }], ['calltouch', 'order.new', {}]] as const) {
    const trigger = catalog.flowTrigger({ connector, event, options })!;
    assert.match(trigger.description!, /по умолчанию начинает с текущего момента/);
    const start = trigger.options!.find((o) => o.id === 'start')!;
    assert.equal(start.default, 'now');
    assert.deepEqual(start.options!.map((o) => o.value), ['now', 'lookBack']);
    assert.ok(trigger.options!.some((o) => o.id === 'lookBackDays'));
  }
});

test('plan suggest adds the enabled polling flows to the transactions', () => {
  const catalog = loadPlanCatalog(undefined);
  const without = suggestPlan(catalog, { orders: 500 });
  const withPolls = suggestPlan(catalog, { orders: 500, polling: { flows: 2, transactionsPerMonth: 43_200 + 8_640 } });
  assert.equal(withPolls.transactionsHigh, without.transactionsHigh + 51_840);
  assert.equal(withPolls.webhooksPerMonth, without.webhooksPerMonth, 'polls bring no webhooks');
  assert.ok(withPolls.steps.some((s) => /2 enabled polling flow\(s\) ≈ 51 840 transactions/.test(s)), withPolls.steps.join('\n'));
  assert.ok(withPolls.plan!.transactionsPerMonth >= withPolls.transactionsHigh);
});

test('RetailCRM history: start now delivers nothing from before; lookBack delivers the last days at once', async () => {
  const now = await app.api('/api/v1/flows', { body: historyFlow('from now', {}) });
  assert.equal(now.status, 201, JSON.stringify(now.json));
  assert.equal(await app.scheduler.fire(app.workspaceId, now.json.id), 0, 'the first poll only takes a starting point');
  // Orders created in the look-back window are order.created events (a change right after creation is part of it).
  const back = await app.api('/api/v1/flows', { body: historyFlow('look back', { start: 'lookBack', lookBackDays: 11 }, 'order.created') });
  assert.equal(back.status, 201, JSON.stringify(back.json));
  assert.equal(await app.scheduler.fire(app.workspaceId, back.json.id), crm.state.orders.length, 'every order created in the 11 days, once');
  const two = await app.api('/api/v1/flows', { body: historyFlow('look back 2 days', { start: 'lookBack', lookBackDays: 2 }, 'order.created') });
  const recent = crm.state.orders.filter((o) => Date.parse(o.createdAt.replace(' ', 'T')) >= Date.now() - 2 * DAY).length;
  assert.ok(recent < crm.state.orders.length);
  assert.ok(Math.abs((await app.scheduler.fire(app.workspaceId, two.json.id)) - recent) <= 1, 'only the last 2 days (one may sit on the boundary)');
  assert.equal(await app.scheduler.fire(app.workspaceId, back.json.id), 0);
  const wrong = await app.api('/api/v1/flows', { body: historyFlow('bad start', { start: 'yesterday' }) });
  assert.equal(wrong.status, 422);
  assert.match(JSON.stringify(wrong.json), /start/);
});

test('Calltouch journal: lookBack N days delivers only the deals created in those days', async () => {
  const flow = (name: string, options: Record<string, unknown>) => ({
    name, enabled: true,
    trigger: { connector: 'calltouch', event: 'order.new', connection: 'ct', options: { lookbackDays: 3, emitChanged: false, intervalSeconds: 3600, ...options } },
    steps: [{ id: 'v', type: 'set', values: { n: '{{trigger.orderNumber}}' } }],
  });
  const fromNow = await app.api('/api/v1/flows', { body: flow('ct now', {}) });
  assert.equal(await app.scheduler.fire(app.workspaceId, fromNow.json.id), 0);
  const back = await app.api('/api/v1/flows', { body: flow('ct back', { start: 'lookBack', lookBackDays: 5 }) });
  assert.equal(back.status, 201, JSON.stringify(back.json));
  // Deals created in the last 5 days on the account's clock (Moscow), read 5 days back though the window is 3.
  const cutoff = Date.now() + 3 * 3_600_000 - 5 * DAY;
  const wanted = calltouchDeals(generateDemoData({ seed: 3, days: 10, orders: 10 })).filter((d) => d.orderMs >= cutoff).length;
  const created = await app.scheduler.fire(app.workspaceId, back.json.id);
  assert.ok(created > 0 && created < 10, `${created} deals of 10`);
  assert.ok(Math.abs(created - wanted) <= 1, `${created} vs ${wanted} (one may sit on the boundary)`);
  assert.equal(await app.scheduler.fire(app.workspaceId, back.json.id), 0);
});

test('own changes skipped by skipOwnChanges are counted: GET /flows/:id pollState and flow show', async () => {
  const flow = await app.api('/api/v1/flows', { body: historyFlow('own changes', {}) });
  await app.scheduler.fire(app.workspaceId, flow.json.id);
  // Two edits through the API with this very key (as a flow's own step would make), one by a CRM user.
  const order = crm.state.orders[0];
  for (const status of ['assembling', 'delivering']) {
    const res = await fetch(`${crm.baseUrl}/api/v5/orders/${order.id}/edit`, { method: 'POST', headers: { 'x-api-key': crm.apiKey, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ order: JSON.stringify({ status }), site: crm.site, by: 'id' }) });
    assert.equal(res.status, 200, await res.text());
  }
  crm.userEdit(crm.state.orders.find((o) => o.id !== order.id && o.status !== 'complete')!.id, { status: 'complete' });
  assert.equal(await app.scheduler.fire(app.workspaceId, flow.json.id), 1, "only the user's change starts the flow");
  const view = await app.api(`/api/v1/flows/${flow.json.id}`);
  assert.equal(view.json.pollState.stats.skippedOwnChanges, 2);
  assert.ok(view.json.pollState.lastPollAt);
  assert.equal(view.json.pollEstimate.pollsPerMonth, 720);

  const show = spawnSync(process.execPath, [BIN, 'flow', 'show', 'own changes'], { env: { ...process.env, SVYAZKA_DATA_DIR: app.dataDir, LOG_LEVEL: 'silent', ...databaseEnvOf(app.dataDir) }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(show.status, 0, show.stderr);
  assert.match(show.stdout, /every 3600 s: 720 polls, ≥ 720 transactions a month \(lower bound\)/);
  assert.match(show.stdout, /own changes skipped so far: 2/);
  const list = await app.api('/api/v1/flows');
  assert.ok(list.json.items.every((f: { pollEstimate: unknown }) => 'pollEstimate' in f));

  const suggest = spawnSync(process.execPath, [BIN, 'plan', 'suggest', '--orders', '100', '--json'], { env: { ...process.env, SVYAZKA_DATA_DIR: app.dataDir, LOG_LEVEL: 'silent', ...databaseEnvOf(app.dataDir) }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(suggest.status, 0, suggest.stderr);
  const enabledPolls = (await app.api('/api/v1/flows')).json.items.filter((f: { enabled: boolean; pollEstimate: unknown }) => f.enabled && f.pollEstimate);
  assert.equal(JSON.parse(suggest.stdout).polling.flows, enabledPolls.length);
});
