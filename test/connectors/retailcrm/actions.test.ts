// Every action through the connector's `run`, with the engine's real HTTP client and rate limiter,
// against the RetailCRM sandbox over loopback HTTP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError, PermanentError } from '../../../src/connector-kit/errors.ts';
import { retailcrmConnector } from '../../../src/connectors/retailcrm/index.ts';
import { startRetailcrmSandbox, type RetailcrmSandbox } from '../../../src/connectors/retailcrm/sandbox.ts';
import { action, actionCtx } from './support.ts';

let sb: RetailcrmSandbox;
before(async () => {
  sb = await startRetailcrmSandbox({ seed: 7, records: 12 });
});
after(() => sb.close());

const run = (id: string, input: Record<string, unknown>, key?: string) => action(id).run(actionCtx(sb.credentials, { idempotencyKey: key }), input);

test('sandbox seeds realistic data and the connection test passes', async () => {
  assert.equal(sb.state.orders.length, 12);
  assert.ok(sb.state.products.every((p) => typeof p.article === 'string' && p.offers.length > 0));
  assert.ok(sb.state.customers.length >= 3);
  await retailcrmConnector.auth.test!(actionCtx(sb.credentials));
});

test('order.create: dotted ids become the nested order; output has the page ids; externalId = idempotency key', async () => {
  const offer = sb.state.products[0].offers[0];
  const out = await run(
    'order.create',
    {
      firstName: 'Ольга',
      lastName: 'Иванова',
      phone: '+79160001122',
      email: 'olga@example.ru',
      'items.0.offer.externalId': offer.externalId,
      'items.0.quantity': 2,
      'items.1.productName': 'Подарочная упаковка',
      'items.1.initialPrice': 150,
      'delivery.code': 'courier',
      'delivery.cost': 300,
      'delivery.address.city': 'Казань',
      'payments.0.amount': 100,
      'payments.0.type': 'cash',
      customFields: '{"utm_source":"yandex"}',
      customerComment: '',
    },
    'svz-ex1-create',
  );
  assert.equal(out.success, true);
  assert.equal(out.externalId, 'svz-ex1-create');
  assert.equal(typeof out.id, 'number');
  const o = out as any;
  assert.equal(o.items.length, 2);
  assert.equal(o.items[0].offer.externalId, offer.externalId);
  assert.equal(o.items[0].quantity, 2);
  assert.equal(o.delivery.address.city, 'Казань');
  assert.deepEqual(o.customFields, { utm_source: 'yandex' });
  assert.equal(o.summ, offer.price * 2 + 150);
  assert.equal(o.customer.phones[0].number, '+79160001122');
  // payments answer as an object keyed by payment id
  assert.ok(!Array.isArray(o.payments) && Object.values(o.payments).length === 1);
  assert.equal(sb.state.orders.at(-1)!.id, out.id);
});

test('order.create: an empty customFields answers [] (the API quirk)', async () => {
  const out = (await run('order.create', { firstName: 'Без', lastName: 'Полей' })) as any;
  assert.deepEqual(out.customFields, []);
  assert.deepEqual(out.payments, {});
});

test('order.create retried with the same idempotency key does not duplicate', async () => {
  const before_ = sb.state.orders.length;
  const first = await run('order.create', { firstName: 'Повтор', 'items.0.offer.id': sb.state.products[1].offers[0].id }, 'svz-ex-retry-s1');
  const second = await run('order.create', { firstName: 'Повтор', 'items.0.offer.id': sb.state.products[1].offers[0].id }, 'svz-ex-retry-s1');
  assert.equal(second.id, first.id);
  assert.equal(sb.state.orders.length, before_ + 1);
  assert.equal(sb.state.orders.filter((o) => o.externalId === 'svz-ex-retry-s1').length, 1);
});

test('order.create: a validation error is a PermanentError with RetailCRM message and field names', async () => {
  await assert.rejects(run('order.create', { email: 'not-an-email', managerId: 999 }), (e: Error) => {
    assert.ok(e instanceof PermanentError);
    assert.match(e.message, /Order is not loaded/);
    assert.match(e.message, /email: This value is not a valid email address\./);
    assert.match(e.message, /managerId: Manager with id 999 not found\./);
    return true;
  });
  // the list shape of `errors`
  await assert.rejects(run('order.create', { 'items.0.offer.id': 987654 }), (e: Error) => {
    assert.ok(e instanceof PermanentError);
    assert.match(e.message, /Order is not loaded \(items\[0\]\.offer: Offer with id 987654 not found\.\)/);
    return true;
  });
});

test('order.update by id: partial edit, history written, 404 → PermanentError', async () => {
  const target = sb.state.orders[0];
  const historyBefore = sb.state.history.length;
  const out = (await run('order.update', { id: target.id, status: 'complete', managerComment: 'Оплачен', 'delivery.address.city': 'Тверь' })) as any;
  assert.equal(out.success, true);
  assert.equal(out.id, target.id);
  assert.equal(out.status, 'complete');
  assert.equal(out.managerComment, 'Оплачен');
  assert.equal(out.delivery.address.city, 'Тверь');
  assert.ok(sb.state.history.length > historyBefore);
  assert.ok(sb.state.history.slice(historyBefore).some((h) => h.field === 'status' && h.newValue.code === 'complete' && h.source === 'api'));
  await assert.rejects(run('order.update', { id: 99999999, status: 'complete' }), (e: Error) => e instanceof PermanentError && /Not found/.test(e.message));
  await assert.rejects(run('order.update', { status: 'complete' }), (e: Error) => e instanceof PermanentError && /"id"/.test(e.message));
});

test('customerNote.create by customer id and externalId; missing customer → RetailCRM message', async () => {
  const c = sb.state.customers[0];
  const a = await run('customerNote.create', { 'customer.id': c.id, text: 'Позвонить после 18:00', managerId: 11 });
  assert.equal(a.success, true);
  assert.equal(typeof a.id, 'number');
  const b = await run('customerNote.create', { 'customer.externalId': c.externalId, text: 'VIP' });
  assert.equal(sb.state.notes.find((n) => n.id === b.id)!.customer.id, c.id);
  await assert.rejects(run('customerNote.create', { 'customer.id': 424242, text: 'x' }), (e: Error) => e instanceof PermanentError && /customer: Customer not found/.test(e.message));
});

test('order.find by email / phone / status; nothing → NotFoundError', async () => {
  const created = await run('order.create', { firstName: 'Поиск', email: 'find-me@example.ru', phone: '+7 (903) 555-44-33' });
  const byEmail = await run('order.find', { email: 'find-me@example.ru' });
  assert.equal(byEmail.id, created.id);
  const byPhone = await run('order.find', { phone: '79035554433' });
  assert.equal(byPhone.id, created.id);
  const byStatus = await run('order.find', { status: 'complete' });
  assert.equal(byStatus.status, 'complete');
  await assert.rejects(run('order.find', { email: 'nobody@example.ru' }), NotFoundError);
  await assert.rejects(run('order.find', {}), PermanentError);
});

test('product.findByArticle: exact article; unknown → NotFoundError', async () => {
  const p = sb.state.products[3];
  const out = await run('product.findByArticle', { article: p.article });
  assert.equal(out.id, p.id);
  await assert.rejects(run('product.findByArticle', { article: 'NO-SUCH-ART' }), NotFoundError);
  // a substring of an article is not a match
  await assert.rejects(run('product.findByArticle', { article: p.article.slice(0, 3) }), NotFoundError);
});

test('store.get by code: the page output fields; unknown → NotFoundError', async () => {
  const out = await run('store.get', { code: 'main' });
  for (const f of action('store.get').output) assert.ok(f.id in out, f.id);
  assert.equal(out.name, 'Основной склад');
  await assert.rejects(run('store.get', { code: 'nope' }), NotFoundError);
});

test('order.packs: all packs of the order (paginated)', async () => {
  const pack = sb.state.packs[0];
  assert.ok(pack, 'the seed has packs');
  const orderId = pack.item.order.id;
  const out = (await run('order.packs', { id: orderId })) as { packs: any[] };
  assert.equal(out.packs.length, sb.state.packs.filter((p) => p.item.order.id === orderId).length);
  assert.ok(out.packs.every((p) => p.item.order.id === orderId));
});

test('order.createFromOzon: products looked up by article_field, order created with their offers', async () => {
  const [p1, p2] = [sb.state.products[4], sb.state.products[5]];
  const out = await run('order.createFromOzon', {
    site: '',
    lastName: 'Озонов',
    firstName: 'Пётр',
    article_field: 'offer_id',
    products: [
      { price: '1390.000000', offer_id: p1.article, name: p1.name, sku: 123, quantity: 2, currency_code: 'RUB' },
      { price: '500.000000', offer_id: p2.article, name: p2.name, sku: 456, quantity: 1, currency_code: 'RUB' },
    ],
  }, 'svz-ozon-1');
  assert.equal(out.success, true);
  const order = sb.state.orders.find((o) => o.id === out.id)!;
  assert.equal(order.externalId, 'svz-ozon-1');
  assert.deepEqual(order.items.map((i: any) => [i.offer.id, i.quantity, i.initialPrice]), [[p1.offers[0].id, 2, 1390], [p2.offers[0].id, 1, 500]]);
});

test('order.createFromWildberries: WB order payload, price in kopecks', async () => {
  const p = sb.state.products[6];
  const out = await run('order.createFromWildberries', {
    firstName: 'Вера',
    webhook: JSON.stringify({ orders: [{ id: 13833711, rid: 'f884001e44e511edb8780242ac120002', article: p.article, nmId: 12345678, price: 149000, convertedPrice: 149000, currencyCode: 643 }] }),
  });
  const order = sb.state.orders.find((o) => o.id === out.id)!;
  assert.equal(order.items[0].offer.id, p.offers[0].id);
  assert.equal(order.items[0].initialPrice, 1490);
});
