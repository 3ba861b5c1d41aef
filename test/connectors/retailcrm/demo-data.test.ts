// The demo's shared data set: both sandboxes started in-process from one generated set, so a
// RetailCRM order's number and phone find its Calltouch deal, dated up to "today".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calltouchDeals, generateDemoData } from '../../../src/connectors/demo-data.ts';
import { startCalltouchSandbox } from '../../../src/connectors/calltouch/sandbox.ts';
import { startRetailcrmSandbox } from '../../../src/connectors/retailcrm/sandbox.ts';

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const DAY = 86_400_000;

test('the generator is deterministic per seed and now, and dates everything up to now', () => {
  const a = generateDemoData({ seed: 3, now: NOW, orders: 25, days: 30 });
  assert.deepEqual(generateDemoData({ seed: 3, now: NOW, orders: 25, days: 30 }), a);
  assert.notDeepEqual(generateDemoData({ seed: 4, now: NOW, orders: 25, days: 30 }).orders.map((o) => o.customer.phone), a.orders.map((o) => o.customer.phone));
  assert.equal(a.orders.length, 25);
  assert.equal(new Set(a.orders.map((o) => o.number)).size, 25);
  for (const o of a.orders) {
    assert.ok(o.createdAt <= NOW && o.statusAt <= NOW, `${o.number} is not in the future`);
    assert.ok(o.createdAt >= NOW - 31 * DAY, `${o.number} is within the last 30 days`);
  }
  assert.ok(Math.max(...a.orders.map((o) => o.createdAt)) >= NOW - DAY, 'the newest order is from the last day');
  const later = generateDemoData({ seed: 3, now: NOW + 365 * DAY, orders: 25, days: 30 });
  assert.ok(later.orders.every((o) => o.createdAt > NOW), 'dates follow `now`');
});

test('a RetailCRM order of the demo data finds its Calltouch deal by number and by phone', async () => {
  const data = generateDemoData({ seed: 1, now: Date.now(), orders: 20, days: 30 });
  const crm = await startRetailcrmSandbox({ port: 0, seed: 1, dataSet: data });
  const ct = await startCalltouchSandbox({ port: 0, seed: 1, records: 50, deals: calltouchDeals(data) });
  try {
    assert.equal(crm.state.orders.length, 20);
    // The complete orders, as a RetailCRM client sees them over HTTP.
    const res = await fetch(`${crm.baseUrl}/api/v5/orders?filter[extendedStatus][]=complete&limit=100`, { headers: { 'X-API-KEY': crm.apiKey } });
    const { orders } = (await res.json()) as { orders: Array<Record<string, any>> };
    assert.ok(orders.length > 0, 'the data set has complete orders');
    for (const order of orders) {
      const phone = String(order.phone).replace(/\D/g, '');
      const diary = (q: string) => fetch(`${ct.baseUrl}/calls-service/RestAPI/${ct.credentials.siteId}/orders-diary/orders?clientApiId=${ct.credentials.clientApiId}&${q}`).then((r) => r.json() as Promise<{ records: Array<Record<string, any>> }>);
      const byNumber = await diary(`orderNumber=${encodeURIComponent(order.number)}`);
      assert.equal(byNumber.records.length, 1, `deal ${order.number}`);
      const deal = byNumber.records[0];
      assert.equal(deal.client.phones, phone);
      assert.equal(deal.orderStatus, 'final');
      assert.equal(deal.plannedAmount, order.totalSumm);
      assert.ok(Number(deal.orderDate.slice(6, 10)) >= new Date().getUTCFullYear() - 1, `dated this year or last, not 2018: ${deal.orderDate}`);
      const byPhone = await diary(`phoneNumber.value=${phone}`);
      assert.ok(byPhone.records.some((r) => r.orderNumber === order.number), `phone ${phone} finds ${order.number}`);
    }
  } finally {
    await crm.close();
    await ct.close();
  }
});
