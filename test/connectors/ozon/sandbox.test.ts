// The Ozon sandbox over real HTTP: each rule of the Seller API it fakes — auth errors in Ozon's
// shape, offset/has_next paging, the FBO plain array, period and limit refusals, the per-Client-Id
// rate limit (on an injected clock), prices as strings, per-line stock results, packaging.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOzonSandbox, type OzonSandbox } from '../../../src/connectors/ozon/sandbox.ts';

const DAY = 86_400_000;
let now = Date.parse('2026-06-01T12:00:00Z');
let sb: OzonSandbox;

before(async () => {
  sb = await startOzonSandbox({ seed: 7, records: 0, fboRecords: 0, now: () => now, rateLimit: 0 });
});
after(() => sb?.close());

async function call(path: string, body: unknown, headers: Record<string, string> = { 'Client-Id': sb.credentials.clientId, 'Api-Key': sb.credentials.apiKey }) {
  const res = await fetch(sb.baseUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as any, headers: res.headers };
}

const list = (filter: object, limit = 1000, offset = 0) => call('/v3/posting/fbs/list', { dir: 'ASC', filter, limit, offset, with: {} });
const day = (ms: number) => new Date(ms).toISOString();

test('auth: missing headers → 401 code 16, wrong key → 403 code 7', async () => {
  const none = await call('/v1/warehouse/list', {}, {});
  assert.equal(none.status, 401);
  assert.deepEqual(none.json, { code: 16, message: 'Client-Id and Api-Key headers are required', details: [] });
  const wrong = await call('/v1/warehouse/list', {}, { 'Client-Id': sb.credentials.clientId, 'Api-Key': 'nope' });
  assert.equal(wrong.status, 403);
  assert.equal(wrong.json.code, 7);
  assert.match(wrong.json.message, /Invalid Api-Key/);
  const ok = await call('/v1/warehouse/list', {});
  assert.equal(ok.status, 200);
  assert.ok(ok.json.result.length >= 1 && typeof ok.json.result[0].warehouse_id === 'number');
});

test('FBS list: offset paging with has_next, exactly to the end; prices are strings', async () => {
  sb.addPostings(2500);
  const filter = { since: day(now - DAY), to: day(now) };
  const pages = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await list(filter, 1000, offset);
    assert.equal(page.status, 200);
    pages.push(page.json.result);
    if (!page.json.result.has_next) break;
  }
  assert.deepEqual(pages.map((p) => [p.postings.length, p.has_next]), [[1000, true], [1000, true], [500, false]]);
  const numbers = pages.flatMap((p) => p.postings.map((x: any) => x.posting_number));
  assert.equal(new Set(numbers).size, 2500);
  const line = pages[0].postings[0].products[0];
  assert.equal(typeof line.price, 'string');
  assert.match(line.price, /^\d+\.\d{6}$/);
  // Oldest first with dir ASC.
  const times = pages.flatMap((p) => p.postings.map((x: any) => Date.parse(x.in_process_at)));
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  // Exactly `limit` left: has_next is false on the page that ends the list.
  const tail = await list(filter, 500, 2000);
  assert.equal(tail.json.result.has_next, false);
});

test('period over one year and limit over 1000 are refused with code 3', async () => {
  const long = await list({ since: day(now - 366 * DAY), to: day(now) });
  assert.equal(long.status, 400);
  assert.equal(long.json.code, 3);
  assert.match(long.json.message, /PERIOD_IS_TOO_LONG/);
  const big = await list({ since: day(now - DAY), to: day(now) }, 1001);
  assert.equal(big.status, 400);
  assert.equal(big.json.code, 3);
  assert.match(big.json.message, /limit/);
  const noFilter = await call('/v3/posting/fbs/list', { limit: 10, offset: 0 });
  assert.equal(noFilter.status, 400);
});

test('FBO list is a plain array paged by offset', async () => {
  sb.addPostings(7, { scheme: 'fbo' });
  const res = await call('/v2/posting/fbo/list', { dir: 'ASC', filter: { since: day(now - DAY), to: day(now) }, limit: 5, offset: 0 });
  assert.equal(res.status, 200);
  assert.ok(Array.isArray(res.json.result));
  assert.equal(res.json.result.length, 5);
  const rest = await call('/v2/posting/fbo/list', { dir: 'ASC', filter: { since: day(now - DAY), to: day(now) }, limit: 5, offset: 5 });
  assert.equal(rest.json.result.length, 2);
  assert.equal(typeof rest.json.result[0].products[0].price, 'string');
});

test('rate limit per Client-Id on the sandbox clock: 429 code 8 once the second is spent', async () => {
  let t = Date.parse('2026-06-01T00:00:00Z');
  const limited = await startOzonSandbox({ records: 0, now: () => t, rateLimit: 3 });
  try {
    const hit = () => fetch(limited.baseUrl + '/v1/warehouse/list', { method: 'POST', headers: { 'Client-Id': limited.credentials.clientId, 'Api-Key': limited.credentials.apiKey }, body: '{}' });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await hit()).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const body = (await (await hit()).json()) as any;
    assert.equal(body.code, 8);
    assert.equal(limited.rateLimited(), 2);
    t += 1000;
    assert.equal((await hit()).status, 200, 'a second later the budget is back');
  } finally {
    await limited.close();
  }
});

test('last_changed_status_date finds only postings whose status changed in that range', async () => {
  const [p] = sb.addPostings(1, { at: now - 2 * DAY });
  now += 60_000;
  sb.setStatus(p.posting_number, 'cancelled');
  const res = await list({ since: day(now - 3 * DAY), to: day(now), last_changed_status_date: { from: day(now - 1000), to: day(now) } });
  assert.deepEqual(res.json.result.postings.map((x: any) => [x.posting_number, x.status]), [[p.posting_number, 'cancelled']]);
});

test('stocks: per-line results — updated, not found, unchanged, too often', async () => {
  const wh = sb.state.warehouses[0].warehouse_id;
  const offer = sb.state.products[0].offer_id;
  const first = await call('/v2/products/stocks', { stocks: [{ offer_id: offer, stock: 5, warehouse_id: wh }, { offer_id: 'NO-SUCH', stock: 1, warehouse_id: wh }] });
  assert.equal(first.status, 200);
  assert.equal(first.json.result[0].updated, true);
  assert.deepEqual(first.json.result[0].errors, []);
  assert.equal(first.json.result[1].updated, false);
  assert.equal(first.json.result[1].errors[0].code, 'NOT_FOUND');
  assert.equal(sb.stockOf(offer, wh), 5);
  const same = await call('/v2/products/stocks', { stocks: [{ offer_id: offer, stock: 5, warehouse_id: wh }] });
  assert.equal(same.json.result[0].errors[0].code, 'SKU_STOCK_NOT_CHANGE');
  const soon = await call('/v2/products/stocks', { stocks: [{ offer_id: offer, stock: 6, warehouse_id: wh }] });
  assert.equal(soon.json.result[0].errors[0].code, 'TOO_MANY_REQUESTS');
  now += 30_000;
  const later = await call('/v2/products/stocks', { stocks: [{ offer_id: offer, stock: 6, warehouse_id: wh }] });
  assert.equal(later.json.result[0].updated, true);
  const tooMany = await call('/v2/products/stocks', { stocks: Array.from({ length: 101 }, () => ({ offer_id: offer, stock: 1, warehouse_id: wh })) });
  assert.equal(tooMany.status, 400);
});

test('ship: awaiting_packaging → awaiting_deliver; products must match; a second ship is refused', async () => {
  const [p] = sb.addPostings(1);
  const products = p.products.map((l: any) => ({ product_id: l.sku, quantity: l.quantity }));
  const wrong = await call('/v4/posting/fbs/ship', { posting_number: p.posting_number, packages: [{ products: [{ product_id: 1, quantity: 1 }] }] });
  assert.equal(wrong.status, 400);
  const ok = await call('/v4/posting/fbs/ship', { posting_number: p.posting_number, packages: [{ products }] });
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  assert.deepEqual(ok.json.result, [p.posting_number]);
  const got = await call('/v3/posting/fbs/get', { posting_number: p.posting_number });
  assert.equal(got.json.result.status, 'awaiting_deliver');
  const again = await call('/v4/posting/fbs/ship', { posting_number: p.posting_number, packages: [{ products }] });
  assert.equal(again.status, 400);
  assert.match(again.json.message, /ALREADY/);
  const missing = await call('/v3/posting/fbs/get', { posting_number: '0-0-0' });
  assert.equal(missing.status, 404);
  assert.equal(missing.json.code, 5);
});
