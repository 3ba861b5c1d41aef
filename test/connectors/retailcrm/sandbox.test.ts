// The sandbox's RetailCRM quirks over raw HTTP (what any client, not only ours, would see).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { retailcrmConnector } from '../../../src/connectors/retailcrm/index.ts';
import { startRetailcrmSandbox, type RetailcrmSandbox } from '../../../src/connectors/retailcrm/sandbox.ts';
import { actionCtx } from './support.ts';

let sb: RetailcrmSandbox;
before(async () => {
  sb = await startRetailcrmSandbox({ seed: 9, records: 30, rateLimit: 0 });
});
after(() => sb.close());

const get = async (path: string, key = sb.apiKey) => {
  const res = await fetch(sb.baseUrl + path, { headers: { 'X-API-KEY': key } });
  return { status: res.status, json: (await res.json()) as any };
};
const post = async (path: string, form: Record<string, string>) => {
  const res = await fetch(sb.baseUrl + path, { method: 'POST', headers: { 'X-API-KEY': sb.apiKey }, body: new URLSearchParams(form) });
  return { status: res.status, json: (await res.json()) as any };
};

test('key check: exact 403 bodies; apiKey as a query parameter works too', async () => {
  assert.deepEqual(await get('/api/v5/orders', 'bad'), { status: 403, json: { success: false, errorMsg: 'Wrong "apiKey" value.' } });
  const res = await fetch(`${sb.baseUrl}/api/v5/reference/stores`);
  assert.equal(res.status, 403);
  assert.deepEqual(await res.json(), { success: false, errorMsg: '"apiKey" is missing.' });
  const q = await fetch(`${sb.baseUrl}/api/v5/reference/stores?apiKey=${sb.apiKey}`);
  assert.equal(q.status, 200);
});

test('pagination shape, limit choices, array filters in both spellings', async () => {
  const page2 = await get('/api/v5/orders?limit=20&page=2');
  assert.deepEqual(page2.json.pagination, { limit: 20, totalCount: 30, currentPage: 2, totalPageCount: 2 });
  assert.equal(page2.json.orders.length, 10);
  const bad = await get('/api/v5/orders?limit=7');
  assert.equal(bad.status, 400);
  assert.match(bad.json.errors.limit, /valid choice/);
  const [a, b] = sb.state.orders;
  const both = await get(`/api/v5/orders?filter[ids][]=${a.id}&filter[ids][1]=${b.id}`);
  assert.deepEqual(both.json.orders.map((o: any) => o.id).sort(), [a.id, b.id].sort());
});

test('create answers 201 with id and order; payments id-keyed; customFields [] when empty; history written', async () => {
  const historyBefore = sb.state.history.length;
  const res = await post('/api/v5/orders/create', { site: sb.site, order: JSON.stringify({ firstName: 'Тест', payments: [{ amount: 10, type: 'cash' }] }) });
  assert.equal(res.status, 201);
  assert.equal(res.json.success, true);
  assert.equal(res.json.order.id, res.json.id);
  assert.deepEqual(res.json.order.customFields, []);
  const [payment] = Object.entries(res.json.order.payments) as Array<[string, any]>;
  assert.equal(String(payment[1].id), payment[0]);
  assert.equal(sb.state.history.length, historyBefore + 1);
  const h = await get(`/api/v5/orders/history?filter[sinceId]=${historyBefore}`);
  assert.equal(h.json.history[0].created, true);
  assert.equal(h.json.history[0].apiKey.current, true);
  assert.equal(h.json.history[0].order.id, res.json.id);
  assert.ok(h.json.generatedAt);
});

test('edit defaults to by=externalId, 404 "Not found"; customers create 201 / get', async () => {
  const order = sb.state.orders.find((o) => o.externalId)!;
  const byExt = await post(`/api/v5/orders/${order.externalId}/edit`, { order: JSON.stringify({ managerComment: 'x' }) });
  assert.equal(byExt.status, 200);
  const missing = await post(`/api/v5/orders/${order.id}/edit`, { order: JSON.stringify({ managerComment: 'x' }) });
  assert.deepEqual(missing, { status: 404, json: { success: false, errorMsg: 'Not found' } });
  const c = await post('/api/v5/customers/create', { customer: JSON.stringify({ firstName: 'Новый', externalId: 'cust-x', email: 'n@example.ru' }) });
  assert.equal(c.status, 201);
  const got = await get('/api/v5/customers/cust-x');
  assert.equal(got.json.customer.id, c.json.id);
  assert.equal((await get(`/api/v5/customers/${c.json.id}?by=id`)).json.customer.firstName, 'Новый');
  const dup = await post('/api/v5/customers/create', { customer: JSON.stringify({ externalId: 'cust-x' }) });
  assert.equal(dup.status, 400);
});

test('store/inventories by exact article; reference/stores is an array', async () => {
  const p = sb.state.products[0];
  const inv = await get(`/api/v5/store/inventories?filter[offerArticle][]=${p.article}`);
  assert.deepEqual(inv.json.offers.map((o: any) => o.id), [p.offers[0].id]);
  const stores = await get('/api/v5/reference/stores');
  assert.ok(Array.isArray(stores.json.stores));
});

test('the connection test names methods the key may not use', async () => {
  const limited = await startRetailcrmSandbox({ seed: 1, records: 1, grants: ['/api/orders', '/api/orders/create'] });
  try {
    await assert.rejects(retailcrmConnector.auth.test!(actionCtx(limited.credentials)), /Ключу не хватает прав на методы API: .*\/api\/customers\/notes\/create \(заметки клиентов\)/);
  } finally {
    await limited.close();
  }
});
