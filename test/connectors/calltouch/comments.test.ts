// withComments as seed 000 defines it: true — deals that have a comment, false or absent — deals
// without. The sandbox follows the seed; the connector returns every deal unless asked for one kind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CalltouchClient, formatDmy, wallClock } from '../../../src/connectors/calltouch/client.ts';
import { calltouchCommand } from '../../../src/connectors/calltouch/cli.ts';
import { exportParamsFromCli } from '../../../src/connectors/calltouch/export-command.ts';
import { startCalltouchSandbox, type CalltouchSandbox } from '../../../src/connectors/calltouch/sandbox.ts';
import { orderNew } from '../../../src/connectors/calltouch/triggers/order-new.ts';
import { action, actionCtx, triggerCtx } from './support.ts';

type Obj = Record<string, any>;
const DAY = 86_400_000;

let sb: CalltouchSandbox;
before(async () => {
  // 120 deals over the last week (on the account's clock), so the trigger's window sees them all.
  const today = Math.floor(wallClock(Date.now(), 'Europe/Moscow') / DAY) * DAY;
  sb = await startCalltouchSandbox({ seed: 11, records: 120, startDate: formatDmy(today - 6 * DAY), days: 6 });
});
after(() => sb.close());

const period = () => {
  const today = Math.floor(wallClock(Date.now(), 'Europe/Moscow') / DAY) * DAY;
  return { dateFrom: formatDmy(today - 7 * DAY), dateTo: formatDmy(today + DAY), withAllOrderOrigins: true };
};

async function exportAll(params: Obj): Promise<Obj[]> {
  const client = new CalltouchClient(actionCtx(sb.credentials, { limitKey: 'comments' }));
  const out: Obj[] = [];
  for await (const r of client.exportOrders(params)) out.push(r);
  return out;
}

async function raw(withComments: string | undefined): Promise<Obj[]> {
  const q = new URLSearchParams({ clientApiId: sb.credentials.clientApiId, ...period(), withAllOrderOrigins: 'true', page: '1', limit: '1000' });
  if (withComments !== undefined) q.set('withComments', withComments);
  const res = await fetch(`${sb.baseUrl}/calls-service/RestAPI/${sb.credentials.siteId}/orders-diary/orders?${q}`);
  assert.equal(res.status, 200);
  return ((await res.json()) as Obj).records;
}

test('the sandbox: withComments=true → only deals with a comment; false or absent → only deals without', async () => {
  const withC = await raw('true');
  const withoutC = await raw('false');
  const absent = await raw(undefined);
  assert.ok(withC.length > 0 && withoutC.length > 0);
  assert.equal(withC.length + withoutC.length, 120);
  assert.ok(withC.every((r) => typeof r.comment === 'string' && r.comment.length > 0));
  assert.ok(withoutC.every((r) => !('comment' in r)));
  assert.deepEqual(absent.map((r) => r.orderNumber), withoutC.map((r) => r.orderNumber));
});

test('the connector: every deal by default (both passes, no duplicates); withComments true/false → one kind', async () => {
  const all = await exportAll(period());
  const numbers = all.map((r) => r.orderNumber);
  assert.equal(all.length, 120);
  assert.equal(new Set(numbers).size, 120);
  assert.ok(all.some((r) => typeof r.comment === 'string') && all.some((r) => r.comment === null));
  const withC = await exportAll({ ...period(), withComments: true });
  const withoutC = await exportAll({ ...period(), withComments: 'false' });
  assert.ok(withC.every((r) => r.comment));
  assert.ok(withoutC.every((r) => !r.comment));
  assert.deepEqual([...withC, ...withoutC].map((r) => r.orderNumber).sort(), [...numbers].sort());
  // The action too.
  const out = await action('orders.export').run(actionCtx(sb.credentials, { limitKey: 'comments' }), period());
  assert.equal(out.recordsTotal, 120);
  assert.equal((out.records as Obj[]).length, 120);
});

test('orders.find finds a deal without a comment and one with a comment by default', async () => {
  const [withC] = await exportAll({ ...period(), withComments: true });
  const [withoutC] = await exportAll({ ...period(), withComments: false });
  const find = action('orders.find');
  const ctx = actionCtx(sb.credentials, { limitKey: 'comments' });
  assert.equal((await find.run(ctx, { orderNumber: withC.orderNumber, withAllOrderOrigins: true })).comment, withC.comment);
  const found = await find.run(ctx, { orderNumber: withoutC.orderNumber, withAllOrderOrigins: true });
  assert.equal(found.orderNumber, withoutC.orderNumber);
  assert.equal(found.comment, null);
  // Asking for one kind narrows it.
  await assert.rejects(find.run(ctx, { orderNumber: withoutC.orderNumber, withAllOrderOrigins: true, withComments: true }), /не найдена/);
});

test('order.new: the first sample holds deals with and without a comment; the option narrows it', async () => {
  const all = await orderNew.poll!(triggerCtx(sb.credentials, { withAllOrderOrigins: true }, 'comments'), { seen: {} });
  assert.equal(all.events.length, 120);
  assert.ok(all.events.some((e) => e.payload.comment) && all.events.some((e) => !e.payload.comment));
  const only = await orderNew.poll!(triggerCtx(sb.credentials, { withAllOrderOrigins: true, comments: 'with' }, 'comments'), { seen: {} });
  assert.ok(only.events.length > 0 && only.events.length < 120 && only.events.every((e) => e.payload.comment));
});

test('svyazka calltouch export: every deal by default, --comments with|without for one kind, documented in --help', () => {
  const help = calltouchCommand(async () => {
    throw new Error('not opened');
  }).commands.find((c) => c.name() === 'export')!.helpInformation();
  assert.match(help, /--comments <kind>/);
  assert.match(help, /all — все/);
  assert.match(help, /--bind-to <value>.*песочница его игнорирует/s);
  const base = { http: undefined as never, auth: {}, logger: undefined as never };
  assert.equal(exportParamsFromCli({ ...base }).withComments, undefined);
  assert.equal(exportParamsFromCli({ ...base, comments: 'all' }).withComments, undefined);
  assert.equal(exportParamsFromCli({ ...base, comments: 'with' }).withComments, true);
  assert.equal(exportParamsFromCli({ ...base, comments: 'without' }).withComments, false);
  assert.equal(exportParamsFromCli({ ...base, withComments: true }).withComments, true);
});

test('bindTo: any value passes through to Calltouch; the sandbox ignores it', async () => {
  sb.resetStats();
  const plain = await exportAll({ ...period(), withComments: false });
  const bound = await exportAll({ ...period(), withComments: false, bindTo: 'session' });
  assert.deepEqual(bound.map((r) => r.orderNumber), plain.map((r) => r.orderNumber));
  const q = new URLSearchParams({ clientApiId: sb.credentials.clientApiId, ...period(), withAllOrderOrigins: 'true', page: '1', bindTo: 'что-угодно' });
  assert.equal((await fetch(`${sb.baseUrl}/calls-service/RestAPI/${sb.credentials.siteId}/orders-diary/orders?${q}`)).status, 200);
});
