// lead-service create → update → the deal journal shows it; idempotent create; bad tokens.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCalltouchSandbox, type CalltouchSandbox } from '../../../src/connectors/calltouch/sandbox.ts';
import { formatDmy } from '../../../src/connectors/calltouch/client.ts';
import { PermanentError } from '../../../src/connector-kit/errors.ts';
import { calltouchConnector } from '../../../src/connectors/calltouch/index.ts';
import { action, actionCtx } from './support.ts';

let sb: CalltouchSandbox;
before(async () => {
  sb = await startCalltouchSandbox({ seed: 5, records: 20 });
});
after(() => sb.close());

const DAY = 86_400_000;
const today = () => Math.floor(Date.now() / DAY) * DAY;

test('create → update → export shows the deal with status, revenue, margin, manager, funnel, comment, tags, custom fields, products', async () => {
  const ctx = actionCtx(sb.credentials, { limitKey: 'orders' });
  const created = await action('order.create').run(ctx, {
    orderNumber: 'RC-1001',
    matchingType: 'callContact',
    phones: '+7 (900) 111-22-33',
    emails: 'buyer@example.ru',
    status: 'new',
    revenue: '12 500,50',
    manager: 'Маша',
    comment: 'Первый заказ',
    tags: 'retailcrm, web',
    crm: 'retailCRM',
  });
  assert.equal(created.orderNumber, 'RC-1001');
  assert.equal(typeof created.calltouchOrderId, 'number');
  const updated = await action('order.update').run(ctx, {
    orderNumber: 'RC-1001',
    status: 'complete',
    revenue: 13000,
    margin: 2500,
    funnel: 'Интернет-магазин',
    comment: 'Оплачен',
    tags: ['paid'],
    customFields: { 'Способ оплаты': 'карта' },
    products: [{ name: 'USB-удлинитель', price: 1300, quantity: 10, brand: 'Завод' }],
  });
  assert.equal(updated.calltouchOrderId, created.calltouchOrderId);
  const out = await action('orders.export').run(ctx, { dateFrom: formatDmy(today() - DAY), dateTo: formatDmy(today() + DAY), withOrdersTags: true, withComments: true });
  const deal = (out.records as any[]).find((r) => r.orderNumber === 'RC-1001');
  assert.ok(deal, 'the deal is in the journal');
  assert.equal(deal.orderStatus, 'complete');
  assert.equal(deal.plannedAmount, 13000);
  assert.equal(deal.margin, 2500);
  assert.equal(deal.manager, 'Маша');
  assert.equal(deal.funnel, 'Интернет-магазин');
  assert.equal(deal.service, 'retailCRM');
  assert.equal(deal.client.phones, '79001112233');
  assert.equal(deal.client.emails, 'buyer@example.ru');
  assert.equal(deal.orderSource.type, 'CALL');
  assert.deepEqual(deal.tags, ['retailcrm', 'web', 'paid']);
  assert.match(deal.comment, /Первый заказ\nОплачен/);
  assert.deepEqual(deal.custom, { 'Способ оплаты': 'карта' });
  assert.equal(deal.products[0].revenue, 13000);
  assert.ok(deal.updatedDate);
  // orders.find by phone finds it too.
  const found = await action('orders.find').run(ctx, { 'phoneNumber.value': '79001112233' });
  assert.equal(found.orderNumber, 'RC-1001');
});

test('create without orderNumber uses the step idempotency key: a retried step creates no second deal', async () => {
  const key = `svz-${Date.now()}`;
  const a = await action('order.create').run(actionCtx(sb.credentials, { limitKey: 'orders', idempotencyKey: key }), { matchingType: 'request', requestId: '5231705', status: 'start', revenue: 100 });
  const b = await action('order.create').run(actionCtx(sb.credentials, { limitKey: 'orders', idempotencyKey: key }), { matchingType: 'request', requestId: '5231705', status: 'start', revenue: 100 });
  assert.equal(a.orderNumber, key);
  assert.equal(b.calltouchOrderId, a.calltouchOrderId);
  assert.equal(sb.getOrder(key)!.orderSource.type, 'REQUEST');
});

test('matching: call and chat bindings, and clear errors before any call', async () => {
  const ctx = actionCtx(sb.credentials, { limitKey: 'orders' });
  await action('order.create').run(ctx, { orderNumber: 'C-1', matchingType: 'call', callId: 32949495 });
  assert.equal(sb.getOrder('C-1')!.orderSource.callId, 32949495);
  await action('order.create').run(ctx, { orderNumber: 'CH-1', matchingType: 'chat', chatId: 'chat-77' });
  assert.equal(sb.getOrder('CH-1')!.orderSource.type, 'CHAT');
  const before = ctx.requests;
  await assert.rejects(action('order.create').run(ctx, { matchingType: 'call' }), /укажите callId/);
  await assert.rejects(action('order.create').run(ctx, { matchingType: 'requestContact' }), /укажите телефон \(phones\) или email/);
  await assert.rejects(action('order.create').run(ctx, { matchingType: 'fax', phones: '1' }), /matchingType\)?: допустим/);
  await assert.rejects(action('order.create').run(ctx, { phones: '79001112233', revenue: 'много' }), /revenue\)?: ожидается число/);
  await assert.rejects(action('order.update').run(ctx, { status: 'x' }), /orderNumber\)?:? обязательн/);
  await assert.rejects(action('order.update').run(ctx, { orderNumber: 'C-1' }), /Нечего менять/);
  assert.equal(ctx.requests, before);
  await assert.rejects(action('order.update').run(ctx, { orderNumber: 'missing', status: 'x' }), (e: Error) => e instanceof PermanentError && /не найдена/.test(e.message));
});

test('a seeded deal can be updated too', async () => {
  const ctx = actionCtx(sb.credentials, { limitKey: 'orders' });
  await action('order.update').run(ctx, { orderNumber: 'D5-3', status: 'final', revenue: 777 });
  const found = await action('orders.find').run(ctx, { orderNumber: 'D5-3' });
  assert.equal(found.orderStatus, 'final');
  assert.equal(found.plannedAmount, 777);
});

test('connection test: ok, and Russian messages for a bad token, an unknown site and a bad Access-Token', async () => {
  const t = calltouchConnector.auth.test!;
  await t(actionCtx(sb.credentials));
  await assert.rejects(t(actionCtx({ ...sb.credentials, clientApiId: 'wrong' })), /Calltouch отклонил токен API/);
  await assert.rejects(t(actionCtx({ ...sb.credentials, siteId: '999' })), /Сайт 999 не найден/);
  await assert.rejects(t(actionCtx({ ...sb.credentials, siteId: 'abc' })), /ID сайта Calltouch должен быть числом/);
  await assert.rejects(
    action('order.update').run(actionCtx({ ...sb.credentials, accessToken: 'wrong' }), { orderNumber: 'C-1', status: 'x' }),
    /Calltouch отклонил токен/,
  );
});

test('update with a currency that is not an ISO 4217 code: the sandbox answers 400, the step fails for good with its message', async () => {
  const ctx = actionCtx(sb.credentials, { limitKey: 'currency' });
  await action('order.create').run(ctx, { orderNumber: 'RC-CUR', matchingType: 'callContact', phones: '+7 900 111-22-44', status: 'new' });
  await assert.rejects(
    action('order.update').run(ctx, { orderNumber: 'RC-CUR', status: 'paid', currency: 'рубли' }),
    (err: Error) => err instanceof PermanentError && /currency/.test(err.message) && /RUB/.test(err.message),
  );
  const ok = await action('order.update').run(ctx, { orderNumber: 'RC-CUR', status: 'paid', currency: 'RUB' });
  assert.equal(ok.orderNumber, 'RC-CUR');
});
