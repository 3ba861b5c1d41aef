// Every seed rule is enforced by the client before any call (no request is sent), and the sandbox
// rejects each broken rule itself with a 400.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PermanentError } from '../../../src/connector-kit/errors.ts';
import { CalltouchClient, splitPeriod, validateExportParams } from '../../../src/connectors/calltouch/client.ts';
import { startCalltouchSandbox, type CalltouchSandbox } from '../../../src/connectors/calltouch/sandbox.ts';
import { action, actionCtx } from './support.ts';

let sb: CalltouchSandbox;
before(async () => {
  sb = await startCalltouchSandbox({ seed: 3, records: 50 });
});
after(() => sb.close());

const cases: Array<[string, Record<string, unknown>, RegExp]> = [
  ['dateFrom missing', { dateTo: '27/03/2018' }, /dateFrom обязателен/],
  ['dateTo missing', { dateFrom: '01/03/2018' }, /dateTo обязателен/],
  ['dateFrom format', { dateFrom: '2018-03-01', dateTo: '27/03/2018' }, /dateFrom: ожидается дата в формате dd\/mm\/yyyy/],
  ['dateTo not a calendar date', { dateFrom: '01/03/2018', dateTo: '31/02/2018' }, /dateTo: ожидается дата/],
  ['dateFrom after dateTo', { dateFrom: '27/03/2018', dateTo: '01/03/2018' }, /dateFrom \(27\/03\/2018\) должен быть меньше dateTo/],
  ['dateFrom equal to dateTo', { dateFrom: '01/03/2018', dateTo: '01/03/2018' }, /должен быть меньше dateTo/],
  ['timeFrom format', { dateFrom: '01/03/2018', dateTo: '02/03/2018', timeFrom: '9:00' }, /timeFrom: ожидается время в формате hh:mm:ss/],
  ['timeTo out of range', { dateFrom: '01/03/2018', dateTo: '02/03/2018', timeTo: '24:00:00' }, /timeTo: ожидается время/],
  ['limit over 1000', { dateFrom: '01/03/2018', dateTo: '27/03/2018', limit: 1001 }, /limit: не более 1000/],
  ['limit not a number', { dateFrom: '01/03/2018', dateTo: '27/03/2018', limit: 'abc' }, /limit\)?: ожидается (целое )?число/],
  ['limit zero', { dateFrom: '01/03/2018', dateTo: '27/03/2018', limit: 0 }, /limit: ожидается целое число/],
  ['phone with dates', { 'phoneNumber.value': '74953080100', dateFrom: '01/03/2018', dateTo: '27/03/2018' }, /С параметром phoneNumber\.value период .* не указывается/],
  ['orderNumber with time', { orderNumber: 'X1', timeFrom: '10:00:00' }, /С параметром orderNumber период/],
  ['orderSource unknown', { dateFrom: '01/03/2018', dateTo: '27/03/2018', orderSource: 'EMAIL' }, /orderSource\)?: допустим[оы]:? CALL, REQUEST, CHAT/],
  ['flag not boolean', { dateFrom: '01/03/2018', dateTo: '27/03/2018', withOrdersTags: 'maybe' }, /withOrdersTags\)?: ожидается (true или false|да или нет)/],
];

for (const [name, params, message] of cases) {
  test(`client rule: ${name} — clear error, no request sent`, async () => {
    const ctx = actionCtx(sb.credentials);
    await assert.rejects(action('orders.export').run(ctx, params), (e: Error) => e instanceof PermanentError && message.test(e.message));
    const client = new CalltouchClient(ctx);
    await assert.rejects(async () => {
      for await (const _ of client.exportOrders(params)) void _;
    }, message);
    assert.equal(ctx.requests, 0);
  });
}

test('client rule: a single request over more than one day needs page; limit only with page', async () => {
  const ctx = actionCtx(sb.credentials);
  const client = new CalltouchClient(ctx);
  await assert.rejects(client.ordersPage({ dateFrom: '01/03/2018', dateTo: '27/03/2018' }), /больше 1 дня: выгрузка возможна только с пагинацией/);
  await assert.rejects(client.ordersPage({ dateFrom: '01/03/2018', dateTo: '02/03/2018', limit: 10 }), /limit используется только вместе с page/);
  assert.equal(ctx.requests, 0);
  // One day without page is fine; the answer then has no paging fields.
  const one = await client.ordersPage({ dateFrom: '01/03/2018', dateTo: '02/03/2018' });
  assert.ok(Array.isArray(one.records));
  assert.equal(ctx.requests, 1);
});

test('valid parameters are normalised', () => {
  const p = validateExportParams({ dateFrom: '01/03/2018', dateTo: '27/03/2018', orderSource: 'call', limit: '500', withOrdersTags: 'true', manager: '' });
  assert.deepEqual(JSON.parse(JSON.stringify(p)), { dateFrom: '01/03/2018', dateTo: '27/03/2018', withOrdersTags: true, orderSource: 'CALL', limit: 500 });
  assert.deepEqual(validateExportParams({ phoneNumber: { value: '79001112233' } })['phoneNumber.value'], '79001112233');
});

test('long periods split into ≤ 90-day chunks, contiguous, no single-day chunk, times at the ends', () => {
  const chunks = splitPeriod(validateExportParams({ dateFrom: '01/01/2018', dateTo: '31/12/2018', timeFrom: '10:00:00', timeTo: '18:00:00' }));
  assert.equal(chunks.length, 5);
  assert.deepEqual(chunks.map((c) => [c.dateFrom, c.dateTo]), [
    ['01/01/2018', '31/03/2018'], ['01/04/2018', '29/06/2018'], ['30/06/2018', '27/09/2018'], ['28/09/2018', '26/12/2018'], ['27/12/2018', '31/12/2018'],
  ]);
  assert.equal(chunks[0].timeFrom, '10:00:00');
  assert.equal(chunks[0].timeTo, undefined);
  assert.equal(chunks[4].timeTo, '18:00:00');
  // 91 days: the one-day tail is folded into the chunk before it.
  const folded = splitPeriod(validateExportParams({ dateFrom: '01/01/2018', dateTo: '01/04/2018' }));
  assert.deepEqual(folded.map((c) => [c.dateFrom, c.dateTo]), [['01/01/2018', '01/04/2018']]);
});

test('sandbox rejects each broken rule with 400 and a message', async () => {
  const base = `${sb.baseUrl}/calls-service/RestAPI/${sb.credentials.siteId}/orders-diary/orders`;
  const get = async (q: Record<string, string>) => {
    const res = await fetch(`${base}?${new URLSearchParams({ clientApiId: sb.credentials.clientApiId, ...q })}`);
    return { status: res.status, body: (await res.json()) as { message?: string } };
  };
  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ dateTo: '27/03/2018' }, /обязательны/],
    [{ dateFrom: '2018-03-01', dateTo: '27/03/2018' }, /dd\/mm\/yyyy/],
    [{ dateFrom: '27/03/2018', dateTo: '01/03/2018', page: '1' }, /dateFrom должна быть меньше dateTo/],
    [{ dateFrom: '01/03/2018', dateTo: '27/03/2018' }, /пагинацию/],
    [{ dateFrom: '01/03/2018', dateTo: '27/03/2018', page: '1', limit: '1001' }, /limit не может быть больше 1000/],
    [{ orderNumber: 'x', dateFrom: '01/03/2018', dateTo: '27/03/2018' }, /не указываются/],
    [{ dateFrom: '01/03/2018', dateTo: '02/03/2018', timeFrom: '25:00:00' }, /hh:mm:ss/],
  ];
  for (const [q, msg] of bad) {
    const r = await get(q);
    assert.equal(r.status, 400, JSON.stringify(q));
    assert.match(r.body.message ?? '', msg);
  }
  const wrongToken = await fetch(`${base}?clientApiId=nope&orderNumber=x`);
  assert.equal(wrongToken.status, 401);
  const ok = await get({ dateFrom: '01/01/2018', dateTo: '31/12/2018', page: '1', limit: '10' });
  assert.equal(ok.status, 200);
});
