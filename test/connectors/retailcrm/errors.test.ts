// Failure handling against the sandbox: wrong key and wrong address give clear Russian errors; the
// envelope's errors become one message; 503 over the rate limit is backed off and retried.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PermanentError, TransientError } from '../../../src/connector-kit/errors.ts';
import { retailcrmConnector } from '../../../src/connectors/retailcrm/index.ts';
import { RetailcrmClient, describeError, normalizeAccountUrl } from '../../../src/connectors/retailcrm/client.ts';
import { startRetailcrmSandbox, type RetailcrmSandbox } from '../../../src/connectors/retailcrm/sandbox.ts';
import { startEchoTarget } from '../../../src/connectors/http/echo-target.ts';
import { action, actionCtx } from './support.ts';

let sb: RetailcrmSandbox;
before(async () => {
  sb = await startRetailcrmSandbox({ seed: 3, records: 5 });
});
after(() => sb.close());


test('wrong key: the connection test and actions say so with RetailCRM own message', async () => {
  const auth = { ...sb.credentials, apiKey: 'wrong-key' };
  await assert.rejects(retailcrmConnector.auth.test!(actionCtx(auth)), (e: Error) => {
    assert.ok(e instanceof PermanentError);
    assert.match(e.message, /RetailCRM отклонил API-ключ \(Wrong "apiKey" value\.\)/);
    assert.doesNotMatch(e.message, /wrong-key/);
    return true;
  });
  await assert.rejects(action('store.get').run(actionCtx(auth), { code: 'main' }), (e: Error) => {
    assert.ok(e instanceof PermanentError);
    assert.equal((e as PermanentError).status, 403);
    assert.match(e.message, /Wrong "apiKey" value\./);
    return true;
  });
});

test('wrong account address: "account not found", a missing site: named', async () => {
  const echo = await startEchoTarget();
  try {
    await assert.rejects(retailcrmConnector.auth.test!(actionCtx({ url: echo.baseUrl + '/status/404', apiKey: 'k' })), /Аккаунт RetailCRM по адресу .* не найден/);
  } finally {
    await echo.close();
  }
  await assert.rejects(retailcrmConnector.auth.test!(actionCtx({ ...sb.credentials, site: 'other-shop' })), /Магазин «other-shop» недоступен этому ключу; доступны: demo-shop/);
  await assert.rejects(retailcrmConnector.auth.test!(actionCtx({ url: '', apiKey: 'k' })), /Не указан адрес аккаунта/);
});

test('account URL normalisation and error descriptions (map and list)', () => {
  assert.equal(normalizeAccountUrl('myshop.retailcrm.ru/'), 'https://myshop.retailcrm.ru');
  assert.equal(normalizeAccountUrl('https://myshop.simla.com/api/v5/'), 'https://myshop.simla.com');
  assert.equal(describeError({ success: false, errorMsg: 'Order is not loaded', errors: { email: 'bad', site: 'no' } }, 400), 'Order is not loaded (email: bad; site: no)');
  assert.equal(describeError({ success: false, errorMsg: 'Order is not loaded', errors: ['items[0].offer.id: Offer with id 5 not found.'] }, 400), 'Order is not loaded (items[0].offer.id: Offer with id 5 not found.)');
});

test('missing parameter and malformed entity: 400 with RetailCRM message', async () => {
  const client = new RetailcrmClient(actionCtx(sb.credentials));
  await assert.rejects(client.post('/api/v5/orders/create', {}), (e: Error) => e instanceof PermanentError && /Parameter 'order' is missing/.test(e.message));
  await assert.rejects(client.post('/api/v5/orders/create', { order: '{not json' }), (e: Error) => e instanceof PermanentError && /Errors in the entity format \(order: /.test(e.message));
});

test('503 (rate limit) is backed off and retried inside the step, then succeeds', async () => {
  sb.failNext(2, 503);
  const ctx = actionCtx(sb.credentials);
  const out = await action('store.get').run(ctx, { code: 'spb' });
  assert.equal(out.code, 'spb');
  assert.equal(ctx.requests, 3, 'two 503s and one success, each a transaction');
});

test('503 that persists becomes a TransientError for the engine to retry', async () => {
  sb.failNext(3, 503);
  await assert.rejects(action('store.get').run(actionCtx(sb.credentials), { code: 'spb' }), (e: Error) => {
    assert.ok(e instanceof TransientError);
    assert.equal((e as TransientError).status, 503);
    assert.match(e.message, /превышен лимит запросов/);
    return true;
  });
  sb.failNext(1, 429);
  const ok = await action('store.get').run(actionCtx(sb.credentials), { code: 'main' });
  assert.equal(ok.code, 'main');
});

test('the sandbox answers 503 past 10 requests/s per client; the client backs off and all calls succeed', async () => {
  // No limiter in front (rate 1000/s): the sandbox itself enforces RetailCRM's 10 req/s.
  const ctx = actionCtx(sb.credentials, { limitKey: 'burst', rate: 1000 });
  const client = new RetailcrmClient(ctx, { busyRetries: 4 });
  const before503 = sb.requestCount();
  const results = await Promise.all(Array.from({ length: 15 }, () => client.stores()));
  assert.ok(results.every((r) => r.success === true));
  assert.ok(ctx.requests > 15, `some requests were rejected with 503 and retried (${ctx.requests} sent)`);
  assert.ok(sb.requestCount() - before503 === 15, 'the sandbox processed each call once');
});

test('with the connector limit (10 req/s) a burst of 25 calls never sees a 503', async () => {
  await new Promise((r) => setTimeout(r, 1100)); // let the sandbox window empty
  const ctx = actionCtx(sb.credentials, { limitKey: 'limited', rate: 10 });
  const client = new RetailcrmClient(ctx, { busyRetries: 0 });
  const started = Date.now();
  await Promise.all(Array.from({ length: 25 }, () => client.stores()));
  assert.equal(ctx.requests, 25);
  assert.ok(Date.now() - started >= 1400, 'spread over time by the limiter');
});
