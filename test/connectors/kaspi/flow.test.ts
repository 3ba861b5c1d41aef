// examples/kaspi-to-retailcrm.json in a running app: Kaspi sandbox → engine → RetailCRM sandbox,
// over real HTTP. Each Kaspi order becomes exactly one RetailCRM order — across re-polls, a
// restart and a lost cursor (the store's dedupe key holds) — nothing older than the plan's parsing
// period is asked for, and a wrong token fails the connection test and the poll saying why.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { startKaspiSandbox, type KaspiSandbox } from '../../../src/connectors/kaspi/sandbox.ts';
import { startRetailcrmSandbox, type RetailcrmSandbox } from '../../../src/connectors/retailcrm/sandbox.ts';
import { startTestApp, waitFor, type TestApp } from '../../support/app.ts';
import { windows } from './support.ts';

const DAY = 86_400_000;
const example = JSON.parse(readFileSync(new URL('../../../examples/kaspi-to-retailcrm.json', import.meta.url), 'utf8'));
const logLines: string[] = [];
const logger = pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) });

let app: TestApp;
let kaspi: KaspiSandbox;
let crm: RetailcrmSandbox;

before(async () => {
  kaspi = await startKaspiSandbox({ seed: 5, records: 0, ratePerSecond: 0, retryAfterSeconds: 0 });
  crm = await startRetailcrmSandbox({ seed: 5, records: 4 });
  app = await startTestApp({ logger });
  for (const [name, connector, auth] of [
    ['kaspi', 'kaspi', kaspi.credentials],
    ['kaspi-bad', 'kaspi', { ...kaspi.credentials, token: 'expired-token' }],
    ['retailcrm', 'retailcrm', crm.credentials],
  ] as const) {
    const res = await app.api('/api/v1/connections', { body: { name, connector, auth } });
    assert.equal(res.status, 201, JSON.stringify(res.json));
  }
});
after(async () => {
  await app?.close();
  await kaspi?.close();
  await crm?.close();
});

async function finished(flowId: string, count: number): Promise<any[]> {
  return waitFor(async () => {
    const items = (await app.api(`/api/v1/executions?flowId=${flowId}&limit=500`)).json.items as any[];
    if (items.length < count || items.some((i) => ['queued', 'running', 'retrying', 'waiting'].includes(i.status))) return undefined;
    return items;
  }, 30_000, `executions of ${flowId}`);
}

const crmOrdersOf = (code: string) => crm.state.orders.filter((o) => o.number === `KASPI-${code}`);

test('the catalog lists Kaspi events and the action with Russian labels', async () => {
  const cat = (await app.api('/api/v1/catalog/kaspi')).json;
  assert.deepEqual(cat.events.map((e: any) => e.id), ['order.new', 'order.changed']);
  assert.deepEqual(cat.actions.map((a: any) => a.id), ['order.get']);
  const fields = new Map(cat.events[0].fields.map((f: any) => [f.id, f.label]));
  assert.equal(fields.get('customer.cellPhone'), 'Мобильный телефон покупателя');
  assert.equal(fields.get('entries.0.offer.name'), 'Название товара');
  assert.ok(cat.events[0].fields.every((f: any) => typeof f.label === 'string' && f.label.length > 0));
});

test('Kaspi new order → RetailCRM order.create: one CRM order per Kaspi order across re-polls, a restart and a lost cursor', async () => {
  const first = kaspi.addOrders(3, { ageMs: DAY });
  const tooOld = kaspi.addOrders(2, { ageMs: 70 * DAY }); // the test plan's parsing period is 60 days
  const flow = await app.api('/api/v1/flows', { body: example });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  const flowId: string = flow.json.id;

  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 3);
  const done = await finished(flowId, 3);
  assert.ok(done.every((e) => e.status === 'succeeded'), JSON.stringify(done.map((e) => [e.status, e.error])));
  const asked = windows(kaspi.requests);
  assert.ok(asked.every((w) => w.ge >= Date.now() - 60 * DAY - 60_000), 'nothing older than the parsing period requested');
  assert.ok(asked.every((w) => w.le - w.ge < 14 * DAY));
  for (const o of tooOld) assert.equal(crmOrdersOf(o.code).length, 0);

  for (const o of first) {
    const [made, ...extra] = crmOrdersOf(o.code);
    assert.ok(made, `RetailCRM has KASPI-${o.code}`);
    assert.equal(extra.length, 0);
    assert.equal(made.firstName, o.customer.firstName);
    assert.equal(made.lastName, o.customer.lastName);
    assert.equal(made.phone, `7${o.customer.cellPhone}`);
    assert.deepEqual(
      made.items.map((it: any) => [it.productName, it.initialPrice, it.quantity]),
      o.entries.map((e) => [e.offer.name, e.basePrice, e.quantity]),
    );
    assert.equal(made.summ, o.totalPrice);
    assert.match(made.managerComment, new RegExp(`Заказ Kaspi № ${o.code} на ${o.totalPrice} ₸`));
  }

  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 0, 're-poll: nothing new');
  const more = kaspi.addOrders(2);
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 2);
  await finished(flowId, 5);

  app = await app.restart();
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 0, 'after a restart');
  // The cursor lost (as if the poll's commit never happened): the look-back finds every order
  // again, and the store's dedupe keys still start nothing.
  await app.services.store.commitPoll(flowId, null, [], null, Date.now());
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 0, 'after losing the cursor');
  const all = await finished(flowId, 5);
  assert.equal(all.length, 5);
  for (const o of [...first, ...more]) assert.equal(crmOrdersOf(o.code).length, 1, `exactly one CRM order for ${o.code}`);
});

test('429s on a poll are retried and the poll goes on', async () => {
  const flow = await app.api('/api/v1/flows', { body: { ...example, name: 'Kaspi 429', steps: [{ id: 'v', type: 'set', values: { code: '{{trigger.code}}' } }] } });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  kaspi.requests.length = 0;
  kaspi.failNext(1, 429);
  const created = await app.scheduler.fire(app.workspaceId, flow.json.id);
  assert.equal(created, kaspi.state.orders.filter((o) => o.creationDate >= Date.now() - 60 * DAY).length);
  assert.equal(kaspi.requests[0].status, 429);
  assert.equal(kaspi.requests[1].status, 200);
});

test('a wrong token: the connection test and the poll fail naming X-Auth-Token', async () => {
  const conns = (await app.api('/api/v1/connections')).json;
  const bad = ((conns.items ?? conns) as any[]).find((c) => c.name === 'kaspi-bad');
  const tested = await app.api(`/api/v1/connections/${bad.id}/test`, { method: 'POST' });
  assert.equal(tested.json.ok, false);
  assert.match(tested.json.message, /Kaspi отклонил токен API \(HTTP 401.*X-Auth-Token/);
  assert.ok(!tested.json.message.includes('expired-token'), 'the token itself is never shown');

  const flow = await app.api('/api/v1/flows', { body: { ...example, name: 'Kaspi bad token', trigger: { ...example.trigger, connection: 'kaspi-bad' } } });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  assert.equal(await app.scheduler.fire(app.workspaceId, flow.json.id), 0);
  const line = logLines.map((l) => JSON.parse(l)).find((l) => l.flowId === flow.json.id && l.msg === 'trigger poll failed');
  assert.ok(line, 'the failed poll is logged');
  assert.match(line.err, /X-Auth-Token/);
  assert.ok(!logLines.some((l) => l.includes('expired-token')), 'the token never reaches the log');
});

test('the editor\'s sample: order.changed shows recent orders (not only changes) with the catalog\'s ids', async () => {
  const flow = await app.api('/api/v1/flows', {
    body: { name: 'Kaspi changes sample', enabled: false, trigger: { connector: 'kaspi', event: 'order.changed', connection: 'kaspi' }, steps: [{ id: 'v', type: 'set', values: { s: '{{trigger.previousState}}' } }] },
  });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  const sample = await app.api(`/api/v1/flows/${flow.json.id}/sample/poll`, { method: 'POST' });
  assert.equal(sample.status, 200, JSON.stringify(sample.json));
  assert.ok(sample.json.events.length > 0 && sample.json.events.length <= 20);
  const ids = new Set(sample.json.fields.map((f: any) => f.id));
  for (const id of ['code', 'customer.cellPhone', 'entries.0.offer.name', 'entries.0.basePrice', 'creationDateIso']) assert.ok(ids.has(id), `${id} in the sample`);
  const state = await app.services.store.getTriggerCursor(flow.json.id);
  assert.equal(state?.cursor ?? null, null, 'a sample stores no cursor');
});

test('demo wiring: the demo flow (the example on the demo connections) turns sandbox orders into RetailCRM orders', async () => {
  const { startKaspiDemo, KASPI_DEMO_CONNECTION } = await import('../../../src/connectors/kaspi/demo.ts');
  const s = app.services;
  const ws = await s.store.ensureWorkspace('demo', 'Демо');
  await s.connections.save(ws.id, { name: 'demo-retailcrm', connector: 'retailcrm', auth: crm.credentials });
  const demo = await startKaspiDemo({
    retailcrmConnection: 'demo-retailcrm',
    newOrderEveryMs: 0,
    saveConnection: (input) => s.connections.save(ws.id, input),
    saveFlow: async (flow) => s.flows.view(await s.flows.save(ws.id, flow)),
  });
  try {
    const flows = await s.store.listFlows(ws.id);
    const flow = flows.find((f: any) => f.definition.trigger.connection === KASPI_DEMO_CONNECTION)!;
    assert.ok(flow, 'the demo flow is saved');
    const [order] = demo.sandbox.addOrders(1);
    const newOnes = demo.sandbox.state.orders.filter((o) => o.state === 'NEW').length;
    assert.equal(await app.scheduler.fire(ws.id, flow.id), newOnes);
    await waitFor(() => crmOrdersOf(order.code).length === 1, 30_000, 'the RetailCRM order of the demo');
    assert.match(demo.describe()[0], /Kaspi sandbox/);
  } finally {
    await demo.close();
  }
});
