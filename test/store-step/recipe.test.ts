// The recipe in examples/ end to end against the RetailCRM and Calltouch sandboxes: a new order
// creates its Calltouch deal once and the deal id is remembered by order number; when the order
// becomes complete, the remembered deal is updated; an order with no remembered deal stops.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startRetailcrmSandbox, type RetailcrmSandbox } from '../../src/connectors/retailcrm/sandbox.ts';
import { startCalltouchSandbox, type CalltouchSandbox } from '../../src/connectors/calltouch/sandbox.ts';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';

const example = (name: string) => JSON.parse(readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8'));
const FINAL = new Set(['succeeded', 'failed', 'filtered', 'stopped', 'cancelled']);

let app: TestApp;
let crm: RetailcrmSandbox;
let ct: CalltouchSandbox;

before(async () => {
  crm = await startRetailcrmSandbox({ seed: 17, records: 6 });
  ct = await startCalltouchSandbox({ seed: 17 });
  app = await startTestApp();
  assert.equal((await app.api('/api/v1/connections', { body: { name: 'shop-crm', connector: 'retailcrm', auth: crm.credentials } })).status, 201);
  const conn = await app.api('/api/v1/connections', { body: { name: 'ct', connector: 'calltouch', auth: ct.credentials } });
  assert.equal(conn.status, 201, JSON.stringify(conn.json));
});
after(async () => {
  await app?.close();
  await crm?.close();
  await ct?.close();
});

async function runs(flowId: string, count: number): Promise<any[]> {
  return waitFor(async () => {
    const items = (await app.api(`/api/v1/executions?flowId=${flowId}`)).json.items as Array<{ id: string; status: string }>;
    if (items.length < count || items.some((i) => !FINAL.has(i.status))) return undefined;
    return Promise.all(items.map(async (i) => (await app.api(`/api/v1/executions/${i.id}`)).json));
  }, 60_000, `${count} executions of ${flowId}`);
}

test('created → Calltouch deal once + remembered; complete → the remembered deal updated', async () => {
  const created = await app.api('/api/v1/flows', { body: { ...example('retailcrm-calltouch-store-created.json'), enabled: true } });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const complete = await app.api('/api/v1/flows', { body: { ...example('retailcrm-calltouch-store-complete.json'), enabled: true } });
  assert.equal(complete.status, 201, JSON.stringify(complete.json));

  const order = crm.state.orders.find((o) => o.status !== 'complete')!;
  const number = String(order.number);
  // RetailCRM's trigger for a new order, sent twice (a redelivery): one deal in Calltouch.
  const hook = created.json.webhookUrl.replace(app.services.config.publicUrl, app.url);
  for (let i = 0; i < 2; i++) {
    const res = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `order[id]=${order.id}` });
    assert.equal(res.status, 200);
  }
  const [a, b] = await runs(created.json.id, 2);
  assert.deepEqual([a.status, b.status].sort(), ['stopped', 'succeeded'], JSON.stringify([a.error, b.error]));
  const deal = ct.getOrder(number);
  assert.ok(deal, 'the deal exists in Calltouch');
  const remembered = await app.api(`/api/v1/collections/calltouch-deals/records/${encodeURIComponent(number)}`);
  assert.equal(remembered.status, 200);
  assert.equal(remembered.json.value.orderNumber, number);
  assert.ok(remembered.json.value.calltouchOrderId, JSON.stringify(remembered.json));

  // The order becomes complete in RetailCRM: its trigger calls the second flow.
  crm.addTrigger({ event: 'order.changed', url: complete.json.webhookUrl.replace(app.services.config.publicUrl, app.url), params: { 'order[id]': '{{ order.id }}' } });
  crm.userEdit(order.id, { status: 'complete' });
  const [done] = await runs(complete.json.id, 1);
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  assert.deepEqual(done.steps.find((s: any) => s.stepId === 'link').output.value, remembered.json.value);
  const updated = ct.getOrder(number)!;
  assert.equal(updated.orderStatus, 'complete');
  assert.equal(updated.plannedAmount, Number(order.totalSumm));
  assert.equal(updated.comment, `Calltouch id ${remembered.json.value.calltouchOrderId}, RetailCRM ${number}`);
  assert.equal((await app.api('/api/v1/collections/stats/records/completed')).json.value, 1);

  // An order whose deal was never remembered stops at the store step, nothing sent to Calltouch.
  const other = crm.state.orders.find((o) => o.status !== 'complete' && o.id !== order.id)!;
  crm.userEdit(other.id, { status: 'complete' });
  const all = await runs(complete.json.id, 2);
  const stopped = all.find((e) => e.id !== done.id);
  assert.equal(stopped.status, 'stopped');
  assert.equal(ct.getOrder(String(other.number)), undefined);
});
