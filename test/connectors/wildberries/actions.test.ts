// Actions and the connection test against the sandbox over real HTTP, inputs coerced as the engine does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PermanentError } from '../../../src/connector-kit/errors.ts';
import { wildberriesConnector } from '../../../src/connectors/wildberries/index.ts';
import type { WildberriesSandbox } from '../../../src/connectors/wildberries/sandbox.ts';
import { NOW, action, actionCtx, sandboxAt } from './support.ts';

let sb: WildberriesSandbox;
before(async () => {
  sb = await sandboxAt({ now: NOW }, { records: 20, days: 10, seed: 8, ratePerMinute: 0 });
});
after(() => sb?.close());

test('stocks.set: a list of lines (barcode or chrtId) as JSON text sets each amount; one line from sku + amount', async () => {
  const [p1, p2, p3] = sb.state.products;
  const wh = sb.state.warehouses[0].id;
  const out = await action('stocks.set').run(actionCtx(sb.credentials), {
    warehouseId: String(wh),
    stocks: JSON.stringify([
      { sku: p1.barcode, amount: 12 },
      { chrtId: p2.chrtId, amount: '0' },
    ]),
  });
  assert.deepEqual(out, { success: true, warehouseId: wh, updated: 2, requests: 1 });
  assert.equal(sb.stockOf(wh, p1.barcode), 12);
  assert.equal(sb.stockOf(wh, p2.barcode), 0);
  await action('stocks.set').run(actionCtx(sb.credentials), { warehouseId: wh, sku: p3.barcode, amount: '7' });
  assert.equal(sb.stockOf(wh, p3.barcode), 7);
});

test('stocks.set: WB refusing a barcode (409) fails the step for good with WB\'s message naming it; bad input fails before any request', async () => {
  const wh = sb.state.warehouses[0].id;
  const ctx = actionCtx(sb.credentials);
  await assert.rejects(action('stocks.set').run(ctx, { warehouseId: wh, stocks: [{ sku: 'UNKNOWN-1', amount: 3 }] }), (error: Error) => {
    assert.ok(error instanceof PermanentError);
    assert.equal((error as PermanentError).status, 409);
    assert.match(error.message, /HTTP 409.*NotFound: Not found \(UNKNOWN-1\)/);
    return true;
  });
  await assert.rejects(action('stocks.set').run(ctx, { warehouseId: 1, sku: sb.state.products[0].barcode, amount: 1 }), /HTTP 404/);
  const sent = ctx.requests;
  await assert.rejects(action('stocks.set').run(ctx, { warehouseId: wh, stocks: [{ amount: 3 }] }), /sku.*chrtId/);
  await assert.rejects(action('stocks.set').run(ctx, { warehouseId: wh, sku: 'x', amount: -1 }), /не меньше 0|at least 0/);
  assert.equal(ctx.requests, sent, 'no request for bad input');
});

test('order.status: statuses of the given ids (comma text), unknown ids listed as missing', async () => {
  const [a, b] = sb.state.orders.slice(-2);
  const out = await action('order.status').run(actionCtx(sb.credentials), { orders: `${a.order.id}, ${b.order.id}, 42` });
  assert.deepEqual(out.orders, [
    { id: a.order.id, supplierStatus: a.supplierStatus, wbStatus: a.wbStatus },
    { id: b.order.id, supplierStatus: b.supplierStatus, wbStatus: b.wbStatus },
  ]);
  assert.equal(out.supplierStatus, a.supplierStatus);
  assert.deepEqual(out.missing, [42]);
});

test('connection test: passes with the token; a wrong one fails saying the token is wrong/expired or lacks the Marketplace category', async () => {
  await wildberriesConnector.auth.test!(actionCtx(sb.credentials));
  await assert.rejects(wildberriesConnector.auth.test!(actionCtx({ ...sb.credentials, token: 'nope' })), /токен неверный, истёк или у него нет категории «Маркетплейс».*lacks the Marketplace category/s);
  await assert.rejects(wildberriesConnector.auth.test!(actionCtx({ ...sb.credentials, token: ' ' })), /Не указан токен/);
});

test('limits are keyed by a hash of the token, never the token; a pasted Bearer prefix keys the same', () => {
  const keyOf = wildberriesConnector.limits!.keyOf!;
  const key = keyOf({ token: sb.token });
  assert.ok(!key.includes(sb.token) && key.startsWith('wildberries:'));
  assert.equal(keyOf({ token: `Bearer ${sb.token}` }), key);
  assert.equal(wildberriesConnector.limits!.requestsPerSecond, 5);
});
