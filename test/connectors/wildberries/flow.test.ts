// examples/wildberries-to-retailcrm.json and examples/retailcrm-stocks-to-wildberries.json in a
// running app: WB sandbox → engine → RetailCRM sandbox and back, over real HTTP. Each WB assembly
// task becomes exactly one RetailCRM order — across re-polls, a restart and a lost cursor —
// nothing older than the plan's parsing period is asked for, 429s are retried, and a wrong token
// fails the connection test and the poll saying why.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { startRetailcrmSandbox, type RetailcrmSandbox } from '../../../src/connectors/retailcrm/sandbox.ts';
import { startWildberriesSandbox, type WildberriesSandbox } from '../../../src/connectors/wildberries/sandbox.ts';
import { startTestApp, waitFor, type TestApp } from '../../support/app.ts';

const DAY = 86_400_000;
const example = (name: string) => JSON.parse(readFileSync(new URL(`../../../examples/${name}`, import.meta.url), 'utf8'));
const ordersFlow = example('wildberries-to-retailcrm.json');
const stocksFlow = example('retailcrm-stocks-to-wildberries.json');
const logLines: string[] = [];
const logger = pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) });

let app: TestApp;
let wb: WildberriesSandbox;
let crm: RetailcrmSandbox;

before(async () => {
  wb = await startWildberriesSandbox({ seed: 5, records: 0, retryAfterSeconds: 0 });
  crm = await startRetailcrmSandbox({ seed: 5, records: 4 });
  app = await startTestApp({ logger });
  for (const [name, connector, auth] of [
    ['wildberries', 'wildberries', wb.credentials],
    ['wildberries-bad', 'wildberries', { ...wb.credentials, token: 'expired-wb-token' }],
    ['retailcrm', 'retailcrm', crm.credentials],
  ] as const) {
    const res = await app.api('/api/v1/connections', { body: { name, connector, auth } });
    assert.equal(res.status, 201, JSON.stringify(res.json));
  }
});
after(async () => {
  await app?.close();
  await wb?.close();
  await crm?.close();
});

async function finished(flowId: string, count: number): Promise<any[]> {
  return waitFor(async () => {
    const items = (await app.api(`/api/v1/executions?flowId=${flowId}&limit=500`)).json.items as any[];
    if (items.length < count || items.some((i) => ['queued', 'running', 'retrying', 'waiting'].includes(i.status))) return undefined;
    return items;
  }, 30_000, `executions of ${flowId}`);
}

const crmOrdersOf = (id: number) => crm.state.orders.filter((o) => o.number === `WB-${id}`);

test('the catalog lists the Wildberries events and actions with Russian labels for every field', async () => {
  const cat = (await app.api('/api/v1/catalog/wildberries')).json;
  assert.deepEqual(cat.events.map((e: any) => e.id), ['order.new', 'order.changed']);
  assert.deepEqual(cat.actions.map((a: any) => a.id), ['stocks.set', 'order.status']);
  const fields = new Map(cat.events[0].fields.map((f: any) => [f.id, f.label]));
  for (const id of ['id', 'rid', 'orderUid', 'article', 'nmId', 'chrtId', 'skus', 'createdAt', 'warehouseId', 'price', 'convertedPrice', 'priceRub', 'convertedPriceRub', 'currencyCode', 'currency', 'address.fullAddress', 'comment']) {
    assert.ok(fields.get(id), `a label for ${id}`);
  }
  assert.equal(fields.get('article'), 'Артикул продавца');
  for (const e of cat.events) assert.ok(e.fields.every((f: any) => typeof f.label === 'string' && /[а-я]/i.test(f.label)));
});

test('WB new assembly task → RetailCRM order.createFromWildberries: one CRM order per task across re-polls, a restart and a lost cursor', async () => {
  const fresh = wb.addOrders(3, { at: Date.now() - DAY });
  const tooOld = wb.addOrders(2, { at: Date.now() - 70 * DAY }); // the test plan's parsing period is 60 days
  const flow = await app.api('/api/v1/flows', { body: ordersFlow });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  const flowId: string = flow.json.id;

  wb.resetLog();
  const before = Date.now();
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 3);
  const done = await finished(flowId, 3);
  assert.ok(done.every((e) => e.status === 'succeeded'), JSON.stringify(done.map((e) => [e.status, e.error])));
  const listed = wb.requests.filter((r) => r.path === '/api/v3/orders');
  assert.ok(listed.length >= 3, 'the 60-day look-back in ≤30-day calls');
  assert.ok(listed.every((r) => Number(r.query.dateTo) - Number(r.query.dateFrom) <= 30 * 86_400));
  assert.ok(listed.every((r) => Number(r.query.dateFrom) * 1000 >= before - 60 * DAY - 1000), 'nothing older than the parsing period requested');
  for (const o of tooOld) assert.equal(crmOrdersOf(o.id).length, 0);

  for (const o of fresh) {
    const [made, ...extra] = crmOrdersOf(o.id);
    assert.ok(made, `RetailCRM has WB-${o.id}`);
    assert.equal(extra.length, 0);
    assert.equal(made.items.length, 1);
    const offer = crm.state.products.find((p) => p.article === o.article)!.offers[0];
    assert.equal(made.items[0].offer.id, offer.id, 'the product found by the seller article');
    assert.equal(made.items[0].initialPrice, o.convertedPrice / 100, 'kopecks → roubles');
    assert.match(made.customerComment, new RegExp(`Сборочное задание WB ${o.id}: ${o.article}, ${o.convertedPrice / 100} руб\\.`));
  }

  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 0, 're-poll: nothing new');
  const more = wb.addOrders(2);
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 2);
  await finished(flowId, 5);

  app = await app.restart();
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 0, 'after a restart');
  // The cursor lost (as if the poll's commit never happened): the look-back finds every task
  // again, and the store's dedupe keys still start nothing.
  await app.services.store.commitPoll(flowId, null, [], null, Date.now());
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 0, 'after losing the cursor');
  const all = await finished(flowId, 5);
  assert.equal(all.length, 5);
  for (const o of [...fresh, ...more]) assert.equal(crmOrdersOf(o.id).length, 1, `exactly one CRM order for ${o.id}`);
});

test('429s on a poll are retried and the poll goes on', async () => {
  const flow = await app.api('/api/v1/flows', { body: { ...ordersFlow, name: 'WB 429', steps: [{ id: 'v', type: 'set', values: { id: '{{trigger.id}}' } }] } });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  wb.resetLog();
  wb.failNext(2);
  const created = await app.scheduler.fire(app.workspaceId, flow.json.id);
  assert.equal(created, wb.state.orders.filter((r) => Date.parse(r.order.createdAt) >= Date.now() - 60 * DAY).length);
  assert.deepEqual(
    wb.requests.slice(0, 3).map((r) => r.status),
    [429, 429, 200],
  );
});

test('RetailCRM stock → WB stocks.set on a schedule (the example flow)', async () => {
  const flow = await app.api('/api/v1/flows', { body: stocksFlow });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  assert.equal(await app.scheduler.fire(app.workspaceId, flow.json.id), 1);
  const [ex] = await finished(flow.json.id, 1);
  assert.equal(ex.status, 'succeeded', JSON.stringify(ex));
  const quantity = crm.state.products.find((p) => p.article === 'TS-WHT-001')!.offers[0].quantity;
  assert.equal(wb.stockOf(658434, '2000000010014'), quantity);
});

test('order.changed through the engine: a baseline first, then each status change once, also after a restart', async () => {
  const flow = await app.api('/api/v1/flows', {
    body: {
      name: 'WB status changes',
      enabled: true,
      trigger: { connector: 'wildberries', event: 'order.changed', connection: 'wildberries', options: { intervalSeconds: 3600 } },
      steps: [{ id: 'v', type: 'set', values: { id: '{{trigger.id}}', was: '{{trigger.previousSupplierStatus}}', now: '{{trigger.supplierStatus}}', wb: '{{trigger.wbStatus}}' } }],
    },
  });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  const flowId: string = flow.json.id;
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 0, 'baseline: nothing delivered');
  const [task] = wb.addOrders(1);
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 0, 'a new task in new/waiting is no change');
  wb.setStatus(task.id, 'confirm');
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 1);
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 0, 'nothing twice');
  app = await app.restart();
  wb.setStatus(task.id, 'complete', 'sorted');
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 1);
  const runs = await finished(flowId, 2);
  const outputs = await Promise.all(runs.map(async (r) => (await app.api(`/api/v1/executions/${r.id}`)).json.steps[0].output));
  assert.deepEqual(
    outputs.map((o) => [o.id, o.was, o.now, o.wb]).sort(),
    [
      [task.id, 'confirm', 'complete', 'sorted'],
      [task.id, 'new', 'confirm', 'waiting'],
    ].sort(),
  );
});

test('a wrong token: the connection test and the poll fail saying the token is wrong, expired or lacks the Marketplace category', async () => {
  const conns = (await app.api('/api/v1/connections')).json;
  const bad = ((conns.items ?? conns) as any[]).find((c) => c.name === 'wildberries-bad');
  const tested = await app.api(`/api/v1/connections/${bad.id}/test`, { method: 'POST' });
  assert.equal(tested.json.ok, false);
  assert.match(tested.json.message, /Wildberries отклонил токен API \(HTTP 401\).*«Маркетплейс»/);
  assert.ok(!tested.json.message.includes('expired-wb-token'), 'the token itself is never shown');

  const flow = await app.api('/api/v1/flows', { body: { ...ordersFlow, name: 'WB bad token', trigger: { ...ordersFlow.trigger, connection: 'wildberries-bad' } } });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  assert.equal(await app.scheduler.fire(app.workspaceId, flow.json.id), 0);
  const line = logLines.map((l) => JSON.parse(l)).find((l) => l.flowId === flow.json.id && l.msg === 'trigger poll failed');
  assert.ok(line, 'the failed poll is logged');
  assert.match(line.err, /токен неверный, истёк или у него нет категории «Маркетплейс»/);
  assert.ok(!logLines.some((l) => l.includes('expired-wb-token') || l.includes(wb.token)), 'the token never reaches the log');
});
