// The sandbox's rules, over real HTTP with plain fetch: each is what WB's OpenAPI documents.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WildberriesSandbox } from '../../../src/connectors/wildberries/sandbox.ts';
import { startWildberriesSandbox } from '../../../src/connectors/wildberries/sandbox.ts';
import { DAY_MS, NOW, sandboxAt, type Clock } from './support.ts';

const clock: Clock = { now: NOW };
let sb: WildberriesSandbox;
before(async () => {
  sb = await sandboxAt(clock, { records: 120, days: 60, seed: 7, ratePerMinute: 0 });
});
after(() => sb?.close());

const nowS = Math.floor(NOW / 1000);

async function call(path: string, init: { method?: string; body?: unknown; token?: string | null } = {}) {
  const headers: Record<string, string> = {};
  if (init.token !== null) headers.authorization = init.token ?? sb.token;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(sb.baseUrl + path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

test('a missing or wrong token answers 401 in the gateway problem-details shape; "Bearer <token>" is not the token', async () => {
  for (const token of [null, 'wrong', `Bearer ${sb.token}`]) {
    const res = await call('/api/v3/orders/new', { token });
    assert.equal(res.status, 401);
    assert.match(res.type, /application\/problem\+json/);
    assert.equal(res.json.title, 'unauthorized');
    assert.equal(res.json.status, 401);
    assert.ok(res.json.requestId && res.json.detail && res.json.code);
  }
});

test('GET /api/v3/orders: limit 1..1000 and next are required; a period over 30 days is refused with 400', async () => {
  for (const q of ['limit=0&next=0', 'limit=1001&next=0', 'next=0', 'limit=10']) {
    const res = await call(`/api/v3/orders?${q}`);
    assert.equal(res.status, 400, q);
    assert.equal(res.json.code, 'IncorrectParameter');
    assert.equal(res.json.message, 'Передан некорректный параметр');
  }
  const long = await call(`/api/v3/orders?limit=10&next=0&dateFrom=${nowS - 31 * 86_400}&dateTo=${nowS}`);
  assert.equal(long.status, 400);
  assert.equal(long.json.data.parameter, 'dateTo');
  const exact = await call(`/api/v3/orders?limit=10&next=0&dateFrom=${nowS - 30 * 86_400}&dateTo=${nowS}`);
  assert.equal(exact.status, 200);
});

test('next pages exactly: every order of the period once, in id order, then an empty page', async () => {
  const from = nowS - 30 * 86_400;
  const expected = sb.state.orders.filter((r) => Date.parse(r.order.createdAt) / 1000 >= from).map((r) => r.order.id);
  assert.ok(expected.length > 20, `enough orders in the period (${expected.length})`);
  const seen: number[] = [];
  let next = 0;
  for (let i = 0; i < 50; i++) {
    const res = await call(`/api/v3/orders?limit=7&next=${next}&dateFrom=${from}&dateTo=${nowS}`);
    assert.equal(res.status, 200);
    if (res.json.orders.length === 0) break;
    assert.ok(res.json.orders.length <= 7);
    seen.push(...res.json.orders.map((o: { id: number }) => o.id));
    next = res.json.next;
  }
  assert.deepEqual(seen, expected);
  const o = sb.state.orders[sb.state.orders.length - 1].order;
  assert.ok(Number.isInteger(o.price) && Number.isInteger(o.convertedPrice), 'prices are ×100 integers');
  assert.equal(typeof o.currencyCode, 'number');
  assert.equal(o.convertedCurrencyCode, 643);
});

test('/orders/new answers the tasks still new, with the OrderNew extras; addOrders and setStatus drive it', async () => {
  const before = (await call('/api/v3/orders/new')).json.orders.length;
  const added = sb.addOrders(3);
  const fresh = (await call('/api/v3/orders/new')).json.orders;
  assert.equal(fresh.length, before + 3);
  const last = fresh.find((o: { id: number }) => o.id === added[2].id);
  assert.equal(last.createdAt, new Date(NOW).toISOString().replace('.000Z', 'Z'));
  assert.equal(typeof last.finalPrice, 'number');
  sb.setStatus(added[0].id, 'confirm');
  assert.equal((await call('/api/v3/orders/new')).json.orders.length, before + 2);
  const st = await call('/api/v3/orders/status', { method: 'POST', body: { orders: [added[0].id, added[1].id, 1] } });
  assert.equal(st.status, 200);
  assert.deepEqual(st.json.orders, [
    { id: added[0].id, supplierStatus: 'confirm', wbStatus: 'waiting' },
    { id: added[1].id, supplierStatus: 'new', wbStatus: 'waiting' },
  ]);
  assert.equal((await call('/api/v3/orders/status', { method: 'POST', body: { orders: [] } })).status, 400);
  assert.equal((await call('/api/v3/orders/status', { method: 'POST', body: { orders: Array.from({ length: 1001 }, (_, i) => i + 1) } })).status, 400);
});

test('stocks: PUT updates by barcode or chrtId (204); an unknown barcode is refused with 409 naming it and nothing changes; unknown warehouse 404', async () => {
  const [p1, p2] = sb.state.products;
  const wh = sb.state.warehouses[0].id;
  const ok = await call(`/api/v3/stocks/${wh}`, { method: 'PUT', body: { stocks: [{ sku: p1.barcode, amount: 17 }, { chrtId: p2.chrtId, amount: 0 }] } });
  assert.equal(ok.status, 204);
  assert.equal(sb.stockOf(wh, p1.barcode), 17);
  assert.equal(sb.stockOf(wh, p2.barcode), 0);
  const bad = await call(`/api/v3/stocks/${wh}`, { method: 'PUT', body: { stocks: [{ sku: p1.barcode, amount: 3 }, { sku: 'NO-SUCH', amount: 1 }] } });
  assert.equal(bad.status, 409);
  assert.deepEqual(bad.json, [{ code: 'NotFound', message: 'Not found', data: [{ sku: 'NO-SUCH', amount: 1 }] }]);
  assert.equal(sb.stockOf(wh, p1.barcode), 17, 'all or nothing');
  const tooMany = await call(`/api/v3/stocks/${wh}`, { method: 'PUT', body: { stocks: [{ sku: p1.barcode, amount: 100_001 }] } });
  assert.equal(tooMany.json[0].code, 'UploadDataLimit');
  assert.equal((await call('/api/v3/stocks/1', { method: 'PUT', body: { stocks: [{ sku: p1.barcode, amount: 1 }] } })).status, 404);
  const read = await call(`/api/v3/stocks/${wh}`, { method: 'POST', body: { skus: [p1.barcode] } });
  assert.deepEqual(read.json.stocks, [{ sku: p1.barcode, chrtId: p1.chrtId, amount: 17 }]);
});

test('over the rate: 429 "too many requests" with X-Ratelimit headers; a 4xx costs 10 requests', async () => {
  const small = await startWildberriesSandbox({ ratePerMinute: 1, burst: 3, records: 0, now: () => NOW, retryAfterSeconds: 2 });
  try {
    const get = (path: string) => fetch(small.baseUrl + path, { headers: { authorization: small.token } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await get('/api/v3/warehouses')).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    const limited = await get('/api/v3/warehouses');
    assert.equal(limited.headers.get('x-ratelimit-retry'), '2');
    const body = (await limited.json()) as { title: string; status: number };
    assert.equal(body.title, 'too many requests');
    assert.equal(body.status, 429);
    assert.equal(small.rateLimited(), 3);
  } finally {
    await small.close();
  }
  const costly = await startWildberriesSandbox({ ratePerMinute: 1, burst: 11, records: 0, now: () => NOW });
  try {
    const bad = await fetch(`${costly.baseUrl}/api/v3/orders?limit=0&next=0`, { headers: { authorization: costly.token } });
    assert.equal(bad.status, 400);
    const after = await fetch(`${costly.baseUrl}/api/v3/warehouses`, { headers: { authorization: costly.token } });
    assert.equal(after.status, 200, '11 − 10 leaves one');
    assert.equal((await fetch(`${costly.baseUrl}/api/v3/warehouses`, { headers: { authorization: costly.token } })).status, 429);
  } finally {
    await costly.close();
  }
});

test('seeded: the same seed gives the same orders; the clock dates them', async () => {
  const a = await startWildberriesSandbox({ seed: 3, records: 10, now: () => NOW });
  const b = await startWildberriesSandbox({ seed: 3, records: 10, now: () => NOW });
  try {
    assert.deepEqual(
      a.state.orders.map((r) => r.order),
      b.state.orders.map((r) => r.order),
    );
    assert.ok(a.state.orders.every((r) => Date.parse(r.order.createdAt) <= NOW && Date.parse(r.order.createdAt) > NOW - 61 * DAY_MS));
  } finally {
    await a.close();
    await b.close();
  }
});
