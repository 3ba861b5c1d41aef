// The Kaspi sandbox speaks the API's rules over real HTTP: the token check in the JSON:API errors
// shape, the creationDate filter required and ≤ 14 days, pages from 0 of at most 100, the state
// filter, entries per order, 429 past its rate, new orders from the explicit hook.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKaspiSandbox, type KaspiSandbox } from '../../../src/connectors/kaspi/sandbox.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 10, 12, 0, 0);
let clock = NOW;
let sb: KaspiSandbox;

before(async () => {
  sb = await startKaspiSandbox({ seed: 7, records: 40, days: 30, ratePerSecond: 0, now: () => clock });
});
after(() => sb.close());

async function get(path: string, query: Record<string, string | number> = {}, token: string | null = sb.token): Promise<{ status: number; type: string | null; body: any }> {
  const url = new URL(sb.baseUrl + path);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
  const res = await fetch(url, { headers: token === null ? {} : { 'X-Auth-Token': token } });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
}

const window = (from: number, to: number) => ({ 'filter[orders][creationDate][$ge]': from, 'filter[orders][creationDate][$le]': to });
const page = (number: number, size: number) => ({ 'page[number]': number, 'page[size]': size });

test('a missing or wrong X-Auth-Token is a 401 in the JSON:API errors shape', async () => {
  for (const token of [null, 'wrong']) {
    const res = await get('/orders', { ...page(0, 10), ...window(NOW - DAY, NOW) }, token);
    assert.equal(res.status, 401);
    assert.equal(res.type, 'application/vnd.api+json');
    assert.equal(res.body.errors[0].status, '401');
    assert.ok(res.body.errors[0].title && res.body.errors[0].detail);
  }
});

test('the creationDate filter is required and at most 14 days; pages must be given, size ≤ 100', async () => {
  const noDates = await get('/orders', page(0, 10));
  assert.equal(noDates.status, 400);
  assert.match(noDates.body.errors[0].detail, /creationDate/);
  const tooLong = await get('/orders', { ...page(0, 10), ...window(NOW - 15 * DAY, NOW) });
  assert.equal(tooLong.status, 400);
  assert.match(tooLong.body.errors[0].detail, /14 days/);
  assert.equal((await get('/orders', { ...page(0, 10), ...window(NOW - 14 * DAY, NOW) })).status, 200);
  const big = await get('/orders', { ...page(0, 101), ...window(NOW - DAY, NOW) });
  assert.equal(big.status, 400);
  assert.match(big.body.errors[0].detail, /page\[size\]/);
  assert.equal((await get('/orders', window(NOW - DAY, NOW))).status, 400, 'paging parameters are required');
  assert.equal((await get('/orders', { ...page(0, 10), ...window(NOW - DAY, NOW), 'filter[orders][state]': 'LOST' })).status, 400);
});

test('pages are numbered from 0 with meta.pageCount and totalCount; the state filter and entries', async () => {
  const from = NOW - 14 * DAY;
  const expected = sb.state.orders.filter((o) => o.creationDate >= from && o.creationDate <= NOW && o.state === 'NEW');
  assert.ok(expected.length > 3, `seed gives enough NEW orders (${expected.length})`);
  const seen: string[] = [];
  let pageCount = Infinity;
  for (let n = 0; n < pageCount; n++) {
    const res = await get('/orders', { ...page(n, 3), ...window(from, NOW), 'filter[orders][state]': 'NEW' });
    assert.equal(res.status, 200);
    pageCount = res.body.meta.pageCount;
    assert.equal(res.body.meta.totalCount, expected.length);
    for (const r of res.body.data) {
      assert.equal(r.type, 'orders');
      assert.equal(r.attributes.state, 'NEW');
      seen.push(r.id);
    }
  }
  assert.equal(pageCount, Math.ceil(expected.length / 3));
  assert.deepEqual(seen.sort(), expected.map((o) => o.id).sort());

  const order = expected[0];
  const entries = await get(`/orders/${order.id}/entries`);
  assert.equal(entries.status, 200);
  assert.equal(entries.body.data.length, order.entries.length);
  assert.deepEqual(entries.body.data[0].attributes.offer, order.entries[0].offer);
  assert.equal(entries.body.data[0].attributes.basePrice, order.entries[0].basePrice);
  const one = await get(`/orders/${order.id}`);
  assert.equal(one.body.data.attributes.code, order.code);
  const missing = await get('/orders/bm9uZQ==');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.errors[0].status, '404');
  const byCode = await get('/orders', { ...page(0, 1), 'filter[orders][code]': order.code });
  assert.equal(byCode.body.data[0].id, order.id);
});

test('new orders appear through addOrders, dated by the injected clock', async () => {
  clock = NOW + 3_600_000;
  const [added] = sb.addOrders(1);
  assert.equal(added.creationDate, clock);
  assert.equal(added.state, 'NEW');
  const res = await get('/orders', { ...page(0, 100), ...window(clock - 1, clock), 'filter[orders][state]': 'NEW' });
  assert.deepEqual(res.body.data.map((r: any) => r.id), [added.id]);
});

test('failNext answers 429 with Retry-After, and going over the rate answers 429 too', async () => {
  sb.failNext(1);
  const limited = await get('/orders', { ...page(0, 1), ...window(NOW - DAY, NOW) });
  assert.equal(limited.status, 429);
  assert.equal(limited.body.errors[0].status, '429');
  assert.equal(sb.requests.at(-1)!.status, 429);

  const slow = await startKaspiSandbox({ seed: 1, records: 1, ratePerSecond: 2, retryAfterSeconds: 3 });
  try {
    const url = `${slow.baseUrl}/orders?page[number]=0&page[size]=1&filter[orders][creationDate][$ge]=0&filter[orders][creationDate][$le]=1`;
    const answers = await Promise.all(Array.from({ length: 10 }, () => fetch(url, { headers: { 'X-Auth-Token': slow.token } })));
    const refused = answers.filter((r) => r.status === 429);
    assert.ok(refused.length >= 1, 'some of 10 requests at once go over 2/s');
    assert.equal(refused[0].headers.get('retry-after'), '3');
    assert.equal(slow.rateLimited(), refused.length);
  } finally {
    await slow.close();
  }
});
