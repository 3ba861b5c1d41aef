// The RetailCRM details that make the connector and its sandbox match the real API: exact article
// lookup through store/inventories, the connection test over `credentials` or `scopes`, read-only
// fields left out of an edit, and the sandbox's strictness (form bodies only, reference codes,
// `Access denied.`, history's default limit, workTime as an object).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { NotFoundError } from '../../../src/connector-kit/errors.ts';
import { listen } from '../../../src/lib/listen.ts';
import { retailcrmConnector } from '../../../src/connectors/retailcrm/index.ts';
import { startRetailcrmSandbox, type RetailcrmSandbox } from '../../../src/connectors/retailcrm/sandbox.ts';
import { action, actionCtx } from './support.ts';

let sb: RetailcrmSandbox;
before(async () => {
  sb = await startRetailcrmSandbox({ seed: 5, records: 6, rateLimit: 0 });
  // A product whose offers (sizes) have their own articles, none equal to the product's.
  sb.state.products.push({
    id: 900,
    article: 'TS-SIZED',
    name: 'Футболка с размерами',
    externalId: 'p-TS-SIZED',
    active: true,
    quantity: 10,
    minPrice: 1200,
    maxPrice: 1200,
    offers: [
      { id: 9001, externalId: 'o-TS-SIZED-M', xmlId: 'xml-TS-SIZED-M', article: 'TS-SIZED-M', name: 'Футболка с размерами, M', price: 1200, purchasePrice: 600, quantity: 4 },
      { id: 9002, externalId: 'o-TS-SIZED-L', xmlId: 'xml-TS-SIZED-L', article: 'TS-SIZED-L', name: 'Футболка с размерами, L', price: 1200, purchasePrice: 600, quantity: 6 },
    ],
  });
});
after(() => sb.close());


async function raw(path: string, init: { method?: string; headers?: Record<string, string>; body?: string; key?: string } = {}) {
  const res = await fetch(`${sb.baseUrl}${path}`, { method: init.method ?? 'GET', headers: { 'X-API-KEY': init.key ?? sb.apiKey, ...init.headers }, body: init.body });
  return { status: res.status, json: (await res.json()) as any };
}
const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

test('product.findByArticle: an offer-level article finds its product and that offer, through store/inventories', async () => {
  const before = sb.requestCount('GET /api/v5/store/inventories');
  const out = (await action('product.findByArticle').run(actionCtx(sb.credentials), { article: 'TS-SIZED-L' })) as any;
  assert.equal(out.id, 900);
  assert.equal(out.offer.id, 9002);
  assert.equal(out.offer.article, 'TS-SIZED-L');
  assert.ok(sb.requestCount('GET /api/v5/store/inventories') > before, 'the exact filter was used');
});

test('product.findByArticle: a product-level article finds the product', async () => {
  const out = (await action('product.findByArticle').run(actionCtx(sb.credentials), { article: 'TS-SIZED' })) as any;
  assert.equal(out.id, 900);
  assert.ok([9001, 9002].includes(out.offer.id));
  const plain = (await action('product.findByArticle').run(actionCtx(sb.credentials), { article: 'MG-CER-350' })) as any;
  assert.equal(plain.article, 'MG-CER-350');
  assert.equal(plain.offer.article, 'MG-CER-350');
});

test('product.findByArticle: a name match or a part of an article is not a hit', async () => {
  for (const article of ['Кружка', 'TS-SIZ', 'футболка']) {
    await assert.rejects(action('product.findByArticle').run(actionCtx(sb.credentials), { article }), (e: Error) => e instanceof NotFoundError && e.message.includes(article));
  }
});

test('the sandbox filters store/inventories and store/products exactly like the API', async () => {
  const inv = await raw('/api/v5/store/inventories?filter[offerArticle][]=TS-SIZED-M');
  assert.deepEqual(inv.json.offers.map((o: any) => o.id), [9001]);
  const partial = await raw('/api/v5/store/inventories?filter[offerArticle][]=TS-SIZED');
  assert.deepEqual(partial.json.offers, []);
  const byProduct = await raw('/api/v5/store/inventories?filter[productArticle][0]=TS-SIZED');
  assert.deepEqual(byProduct.json.offers.map((o: any) => o.id), [9001, 9002]);
  const byOfferIds = await raw('/api/v5/store/products?filter[offerIds][]=9002');
  assert.deepEqual(byOfferIds.json.products.map((p: any) => p.id), [900]);
});

test('order.createFromOzon: the offer-level article becomes the item offer', async () => {
  const out = (await action('order.createFromOzon').run(actionCtx(sb.credentials, { idempotencyKey: 'svz-ozon-sized' }), {
    firstName: 'Ирина',
    phone: '+79160002233',
    products: JSON.stringify([{ offer_id: 'TS-SIZED-M', quantity: 1, price: 1100, name: 'Футболка M' }, { offer_id: 'Футболка', quantity: 1, name: 'Не артикул' }]),
  })) as any;
  assert.deepEqual(out.notFoundArticles, ['Футболка']);
  const order = sb.state.orders.find((o) => o.id === out.id)!;
  assert.equal(order.items[0].offer.id, 9001);
  assert.equal(order.items[1].offer.id, undefined);
});

test('without a grant for store/inventories the lookup falls back to the name search, still exact', async () => {
  const grants = ['/api/orders', '/api/orders/create', '/api/store/products'];
  const limited = await startRetailcrmSandbox({ seed: 2, records: 1, grants });
  try {
    const denied = await fetch(`${limited.baseUrl}/api/v5/store/inventories`, { headers: { 'X-API-KEY': limited.apiKey } });
    assert.equal(denied.status, 403);
    assert.deepEqual(await denied.json(), { success: false, errorMsg: 'Access denied.' });
    const out = (await action('product.findByArticle').run(actionCtx(limited.credentials), { article: 'HD-GRY-014' })) as any;
    assert.equal(out.article, 'HD-GRY-014');
    await assert.rejects(action('product.findByArticle').run(actionCtx(limited.credentials), { article: 'Худи' }), NotFoundError);
  } finally {
    await limited.close();
  }
});

test('connection test: a key answered with `scopes` only passes when it has them all, and names the missing ones', async () => {
  const full = await startRetailcrmSandbox({ seed: 2, records: 1, scopes: ['order_read', 'order_write', 'customer_read', 'customer_write', 'store_read', 'reference_read'] });
  const partial = await startRetailcrmSandbox({ seed: 2, records: 1, scopes: ['order_read', 'store_read'] });
  try {
    const answer = (await (await fetch(`${full.baseUrl}/api/credentials`, { headers: { 'X-API-KEY': full.apiKey } })).json()) as { credentials?: string[] };
    assert.equal(answer.credentials, undefined, 'a scopes-only answer, as newer accounts give');
    await retailcrmConnector.auth.test!(actionCtx(full.credentials));
    await assert.rejects(retailcrmConnector.auth.test!(actionCtx(partial.credentials)), (e: Error) => {
      assert.match(e.message, /не хватает разрешений \(scopes\)/);
      assert.match(e.message, /order_write/);
      assert.match(e.message, /customer_write/);
      assert.match(e.message, /reference_read/);
      assert.doesNotMatch(e.message, /order_read|store_read/);
      return true;
    });
    // And the key really is refused where it lacks the scope.
    const denied = await fetch(`${partial.baseUrl}/api/v5/reference/stores`, { headers: { 'X-API-KEY': partial.apiKey } });
    assert.equal(denied.status, 403);
    assert.deepEqual(await denied.json(), { success: false, errorMsg: 'Access denied.' });
  } finally {
    await full.close();
    await partial.close();
  }
});

test('connection test: the deprecated `credentials` list still decides when that is what the account answers', async () => {
  const old = await startRetailcrmSandbox({ seed: 2, records: 1, grants: ['/api/orders', '/api/orders/create'], scopes: [] });
  try {
    const answer = (await (await fetch(`${old.baseUrl}/api/credentials`, { headers: { 'X-API-KEY': old.apiKey } })).json()) as { credentials?: string[] };
    assert.deepEqual(answer.credentials, ['/api/orders', '/api/orders/create']);
    await assert.rejects(retailcrmConnector.auth.test!(actionCtx(old.credentials)), /не хватает прав на методы API: .*\/api\/orders\/history/);
  } finally {
    await old.close();
  }
});

test('order.update leaves the read-only fields out of the form it sends', async () => {
  const seen: Array<{ contentType: string; fields: Record<string, string> }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push({ contentType: String(req.headers['content-type']), fields: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ success: true, id: 77, order: { id: 77, status: 'complete' } }));
    });
  });
  const port = await listen(server, 0, '127.0.0.1');
  try {
    const out = await action('order.update').run(actionCtx({ url: `http://127.0.0.1:${port}`, apiKey: 'k' }), {
      id: 77,
      status: 'complete',
      statusUpdatedAt: '2026-11-30 10:00:00',
      totalSumm: 100,
      'customer.id': 5,
      managerComment: 'Оплачен',
    });
    assert.equal(out.id, 77);
    assert.equal(seen.length, 1);
    assert.match(seen[0].contentType, /^application\/x-www-form-urlencoded/);
    assert.equal(seen[0].fields.by, 'id');
    const order = JSON.parse(seen[0].fields.order);
    assert.deepEqual(order, { status: 'complete', customer: { id: 5 }, managerComment: 'Оплачен' });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('the sandbox reads only form fields: a JSON body answers like the API, parameter missing', async () => {
  const res = await raw('/api/v5/orders/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ site: sb.site, order: { firstName: 'Json' } }) });
  assert.equal(res.status, 400);
  assert.deepEqual(res.json, { success: false, errorMsg: "Parameter 'order' is missing" });
  const edit = await raw(`/api/v5/orders/${sb.state.orders[0].id}/edit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ by: 'id', order: { status: 'complete' } }) });
  assert.equal(edit.status, 400);
  assert.equal(edit.json.errorMsg, "Parameter 'order' is missing");
  const ok = await raw('/api/v5/orders/create', form({ site: sb.site, order: JSON.stringify({ firstName: 'Form' }) }));
  assert.equal(ok.status, 201);
});

test('the sandbox checks reference codes against its books and answers like the API', async () => {
  const bad = await raw(
    '/api/v5/orders/create',
    form({ site: sb.site, order: JSON.stringify({ firstName: 'Код', orderType: 'wholesale', orderMethod: 'pigeon', status: 'lost', delivery: { code: 'teleport' }, payments: [{ type: 'cash' }, { type: 'barter', amount: 1 }] }) }),
  );
  assert.equal(bad.status, 400);
  assert.equal(bad.json.success, false);
  assert.equal(bad.json.errorMsg, 'Order is not loaded');
  assert.deepEqual(bad.json.errors, {
    status: 'Status "lost" does not exist.',
    orderType: 'Order type "wholesale" does not exist.',
    orderMethod: 'Order method "pigeon" does not exist.',
    'delivery[code]': 'Delivery type "teleport" does not exist.',
    'payments[1][type]': 'Payment type "barter" does not exist.',
  });
  const id = sb.state.orders[0].id;
  const edit = await raw(`/api/v5/orders/${id}/edit`, form({ by: 'id', order: JSON.stringify({ orderMethod: 'pigeon' }) }));
  assert.equal(edit.status, 400);
  assert.deepEqual(edit.json.errors, { orderMethod: 'Order method "pigeon" does not exist.' });
  // Known codes pass.
  const good = await raw('/api/v5/orders/create', form({ site: sb.site, order: JSON.stringify({ firstName: 'Код', orderType: 'eshop-legal', orderMethod: 'phone', delivery: { code: 'self-delivery' }, payments: [{ type: 'bank-card' }] }) }));
  assert.equal(good.status, 201);
  assert.equal(good.json.order.orderMethod, 'phone');
});

test('the sandbox: read-only fields of an edit change nothing; history pages by 20 by default; workTime is an object', async () => {
  const order = sb.state.orders[1];
  const stamp = order.statusUpdatedAt;
  const edit = await raw(`/api/v5/orders/${order.id}/edit`, form({ by: 'id', order: JSON.stringify({ statusUpdatedAt: '2001-01-01 00:00:00', totalSumm: 1 }) }));
  assert.equal(edit.status, 200);
  assert.equal(edit.json.order.statusUpdatedAt, stamp);
  assert.notEqual(edit.json.order.totalSumm, 1);

  const history = await raw('/api/v5/orders/history');
  assert.equal(history.json.pagination.limit, 20);
  assert.equal(history.json.history.length, Math.min(20, history.json.pagination.totalCount));

  const stores = await raw('/api/v5/reference/stores');
  for (const s of stores.json.stores) assert.equal(typeof s.workTime, 'object');
  assert.deepEqual(stores.json.stores.find((s: any) => s.code === 'main').workTime.monday, [{ start: '09:00', end: '18:00' }]);
});

test('a wrong key is still 403 with its own message, not Access denied.', async () => {
  const res = await raw('/api/v5/orders', { key: 'nope' });
  assert.equal(res.status, 403);
  assert.deepEqual(res.json, { success: false, errorMsg: 'Wrong "apiKey" value.' });
});

test('a marketplace order looks all its offer articles up in one inventories and one products request', async () => {
  const inv = sb.requestCount('GET /api/v5/store/inventories');
  const prod = sb.requestCount('GET /api/v5/store/products');
  const out = (await action('order.createFromOzon').run(actionCtx(sb.credentials, { idempotencyKey: 'svz-ozon-batch' }), {
    firstName: 'Пакет',
    phone: '+79160003344',
    products: JSON.stringify([
      { offer_id: 'TS-SIZED-L', quantity: 1 },
      { offer_id: 'MG-CER-350', quantity: 2 },
      { offer_id: 'HP-BT-500', quantity: 1 },
      { offer_id: 'TS-SIZED-L', quantity: 1 },
    ]),
  })) as any;
  assert.deepEqual(out.notFoundArticles, []);
  const order = sb.state.orders.find((o) => o.id === out.id)!;
  assert.deepEqual(order.items.map((it: any) => it.offer.article), ['TS-SIZED-L', 'MG-CER-350', 'HP-BT-500', 'TS-SIZED-L']);
  assert.equal(sb.requestCount('GET /api/v5/store/inventories') - inv, 1);
  assert.equal(sb.requestCount('GET /api/v5/store/products') - prod, 1);
});
