// The export against the sandbox over HTTP: paging across pages, long periods, lookups and flags.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CalltouchClient, parseDmyHms, type ExportProgress } from '../../../src/connectors/calltouch/client.ts';
import { startCalltouchSandbox, type CalltouchSandbox } from '../../../src/connectors/calltouch/sandbox.ts';
import { NotFoundError } from '../../../src/connector-kit/errors.ts';
import { action, actionCtx } from './support.ts';

let sb: CalltouchSandbox;
before(async () => {
  // 500 deals over 2018; 4 in 5 created through the API (the default export), 1 in 5 manually.
  sb = await startCalltouchSandbox({ seed: 7, records: 500 });
});
after(() => sb.close());

async function all(params: Record<string, unknown>, onPage?: (p: ExportProgress) => void) {
  const client = new CalltouchClient(actionCtx(sb.credentials, { limitKey: 'export' }));
  const out: Record<string, any>[] = [];
  for await (const r of client.exportOrders(params, { onPage })) out.push(r);
  return out;
}

test('pages through 3+ pages: every record once, envelope honoured, requests carry page and limit', async () => {
  sb.resetStats();
  const pages: ExportProgress[] = [];
  const records = await all({ dateFrom: '01/01/2018', dateTo: '31/03/2018', limit: 30 }, (p) => pages.push(p));
  // Two passes (withComments=true, then false: every deal), each over several pages.
  assert.ok(pages.length >= 4, `pages: ${pages.length}`);
  assert.equal(pages.at(-1)!.chunks, 2);
  assert.equal(pages.filter((p) => p.chunk === 1).length, pages[0].pageTotal);
  assert.equal(pages.filter((p) => p.chunk === 2).length, pages.find((p) => p.chunk === 2)!.pageTotal);
  assert.equal(records.length, pages.at(-1)!.recordsTotal);
  assert.equal(new Set(records.map((r) => r.orderNumber)).size, records.length);
  assert.ok(records.every((r) => r.orderOrigin === 'API'));
  for (const r of records) {
    const t = parseDmyHms(r.orderDate)!;
    assert.ok(t >= Date.UTC(2018, 0, 1) && t < Date.UTC(2018, 3, 1), r.orderDate);
  }
  assert.equal(sb.stats.served, pages.length);
  // The action: records + recordsTotal.
  const out = await action('orders.export').run(actionCtx(sb.credentials, { limitKey: 'export' }), { dateFrom: '01/01/2018', dateTo: '31/03/2018', limit: 30 });
  assert.equal(out.recordsTotal, records.length);
  assert.deepEqual((out.records as any[]).map((r) => r.orderNumber), records.map((r) => r.orderNumber));
  const capped = await action('orders.export').run(actionCtx(sb.credentials, { limitKey: 'export' }), { dateFrom: '01/01/2018', dateTo: '31/03/2018', limit: 30, maxRecords: 10 });
  assert.equal((capped.records as any[]).length, 10);
  assert.equal(capped.truncated, true);
});

test('a year is split into ≤ 90-day chunks and still yields every deal exactly once', async () => {
  const pages: ExportProgress[] = [];
  const records = await all({ dateFrom: '01/01/2018', dateTo: '31/12/2018', withAllOrderOrigins: true }, (p) => pages.push(p));
  assert.equal(records.length, 500);
  assert.equal(new Set(records.map((r) => r.orderNumber)).size, 500);
  assert.equal(pages.at(-1)!.chunks, 10, 'five periods, each asked with and without comments');
  assert.ok(records.some((r) => r.orderOrigin === 'MANUAL'));
});

test('record shape like the seed: CALL and REQUEST sources, visit, client, products', async () => {
  const records = await all({ dateFrom: '01/01/2018', dateTo: '31/01/2018', withOrdersTags: true, withComments: true });
  const call = records.find((r) => r.orderSource.type === 'CALL')!;
  const req = records.find((r) => r.orderSource.type === 'REQUEST')!;
  for (const k of ['callId', 'duration', 'phoneNumber', 'ani', 'dateCall']) assert.ok(k in call.orderSource, k);
  assert.ok('requestNumber' in req.orderSource);
  for (const k of ['client', 'completedAmount', 'completedDate', 'createdDate', 'isDeleted', 'manager', 'orderDate', 'orderNumber', 'orderStatus', 'plannedAmount', 'service', 'visit', 'funnel', 'currencyCode', 'margin', 'orderLink', 'orderName', 'tags', 'comment']) {
    assert.ok(k in call, k);
  }
  assert.match(call.client.phones, /^79\d{9}$/);
  assert.ok('utmSource' in call.visit);
  assert.ok(records.some((r) => Array.isArray(r.products) && r.products[0].name));
  assert.ok(records.some((r) => r.tags === null) && records.some((r) => Array.isArray(r.tags)));
  // withComments=true (the seed): only deals that have a comment.
  assert.ok(records.every((r) => typeof r.comment === 'string' && r.comment));
  // withComments=false: only deals without one, and no comment field; no tags without the flag.
  const plain = await all({ dateFrom: '01/01/2018', dateTo: '31/01/2018', withComments: false });
  assert.ok(plain.length > 0 && plain.every((r) => !('tags' in r) && !('comment' in r)));
});

test('filters: orderSource, manager, service, time of day', async () => {
  const calls = await all({ dateFrom: '01/01/2018', dateTo: '31/03/2018', orderSource: 'CALL' });
  assert.ok(calls.length > 0 && calls.every((r) => r.orderSource.type === 'CALL'));
  const masha = await all({ dateFrom: '01/01/2018', dateTo: '31/03/2018', manager: 'Маша' });
  assert.ok(masha.length > 0 && masha.every((r) => r.manager === 'Маша'));
  const retail = await all({ dateFrom: '01/01/2018', dateTo: '31/03/2018', service: 'retailCRM' });
  assert.ok(retail.every((r) => r.service === 'retailCRM'));
  const timed = await all({ dateFrom: '01/01/2018', dateTo: '31/03/2018', timeFrom: '12:00:00', timeTo: '06:00:00', withAllOrderOrigins: true });
  const full = await all({ dateFrom: '01/01/2018', dateTo: '31/03/2018', withAllOrderOrigins: true });
  const lo = Date.UTC(2018, 0, 1, 12);
  const hi = Date.UTC(2018, 2, 31, 6);
  assert.deepEqual(timed.map((r) => r.orderNumber), full.filter((r) => parseDmyHms(r.orderDate)! >= lo && parseDmyHms(r.orderDate)! <= hi).map((r) => r.orderNumber));
});

test('lookups by orderNumber and phone instead of dates; orders.find', async () => {
  const some = (await all({ dateFrom: '01/02/2018', dateTo: '28/02/2018' }))[3];
  const byNumber = await all({ orderNumber: some.orderNumber });
  assert.deepEqual(byNumber.map((r) => r.orderNumber), [some.orderNumber]);
  const byPhone = await all({ 'phoneNumber.value': some.client.phones });
  assert.ok(byPhone.some((r) => r.orderNumber === some.orderNumber));
  assert.ok(byPhone.every((r) => r.client.phones === some.client.phones));
  const find = action('orders.find');
  const ctx = actionCtx(sb.credentials, { limitKey: 'export' });
  assert.equal((await find.run(ctx, { orderNumber: some.orderNumber })).orderNumber, some.orderNumber);
  assert.equal(((await find.run(ctx, { 'phoneNumber.value': `+${some.client.phones}` })).client as any).phones, some.client.phones);
  await assert.rejects(find.run(ctx, { orderNumber: 'no-such-deal' }), (e: Error) => e instanceof NotFoundError && /не найдена/.test(e.message));
  await assert.rejects(find.run(ctx, {}), /Укажите orderNumber или phoneNumber.value/);
});
