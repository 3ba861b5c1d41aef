// What the connector puts on the wire, checked against Calltouch's documented shapes with a
// recording server: create/update bodies (matching in nested params objects), dates on the
// account's clock, per-deal errors, the polling window, and the sandbox's refusal of the flat shape.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { calltouchConnector } from '../../../src/connectors/calltouch/index.ts';
import { formatDmyHms, wallClock } from '../../../src/connectors/calltouch/client.ts';
import { startCalltouchSandbox, type CalltouchSandbox } from '../../../src/connectors/calltouch/sandbox.ts';
import { orderNew } from '../../../src/connectors/calltouch/triggers/order-new.ts';
import { PermanentError, TransientError } from '../../../src/connector-kit/errors.ts';
import { listen } from '../../../src/lib/listen.ts';
import { action, actionCtx, triggerCtx } from './support.ts';

type Obj = Record<string, any>;

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Obj;
  body: Obj | undefined;
}

/** A stand-in Calltouch that records each request and answers with `answer(request)`. */
let server: Server;
let base: string;
const seen: Recorded[] = [];
let answer: (r: Recorded) => unknown = (r) => ({ data: { orders: (r.body?.orders ?? []).map((o: Obj, i: number) => ({ calltouchOrderId: 500 + i, orderNumber: o.orderNumber })) } });

before(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const rec: Recorded = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: text ? JSON.parse(text) : undefined };
    seen.push(rec);
    const out = JSON.stringify(answer(rec));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(out);
  });
  const port = await listen(server, 0, '127.0.0.1');
  base = `http://127.0.0.1:${port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const auth = (extra: Obj = {}) => ({ siteId: '4242', clientApiId: 'calls-token', accessToken: 'lead-token', nodeHost: base, ...extra });
const last = () => seen[seen.length - 1];

test('order.create sends matching in nested params objects, dates on Moscow time, exactly the documented body', async () => {
  seen.length = 0;
  const out = await action('order.create').run(actionCtx(auth(), { limitKey: 'wire' }), {
    orderNumber: 'RC-1',
    matchingType: 'callContact',
    phones: '+7 (900) 111-22-33',
    matchingDate: '2026-12-01T09:30:00Z',
    searchDepth: 30,
    matchingMode: 'nearestUniq',
    orderDate: '2026-12-01T10:00:00Z',
    status: 'new',
    // 21:15 UTC is already the next day in Moscow.
    statusDate: '2026-12-01T21:15:00Z',
    revenue: '1 500',
  });
  assert.deepEqual(out, { orderNumber: 'RC-1', calltouchOrderId: 500 });
  const r = last();
  assert.equal(r.method, 'POST');
  assert.equal(r.path, '/lead-service/v1/api/client-order/create');
  assert.equal(r.headers['access-token'], 'lead-token');
  assert.equal(r.headers.siteid, '4242');
  assert.deepEqual(r.body, {
    crm: 'svyazka',
    orders: [
      {
        matching: [{ type: 'callContact', callContactParams: { phones: ['79001112233'], date: '01-12-2026 12:30:00', callTypeToMatch: 'nearestUniq', searchDepth: 30 } }],
        orderNumber: 'RC-1',
        orderDate: '01-12-2026 13:00:00',
        status: 'new',
        statusDate: '02-12-2026 00:15:00',
        revenue: 1500,
      },
    ],
  });
});

test('order.create: call, request, chat and the other contact types in their documented nested shape', async () => {
  const ctx = actionCtx(auth(), { limitKey: 'wire' });
  const matchingOf = async (input: Obj) => {
    await action('order.create').run(ctx, { orderNumber: 'M', ...input });
    return last().body!.orders[0].matching;
  };
  assert.deepEqual(await matchingOf({ matchingType: 'call', callId: '32949495' }), [{ type: 'call', callParams: { callId: 32949495 } }]);
  assert.deepEqual(await matchingOf({ matchingType: 'request', requestId: 5231705 }), [{ type: 'request', requestParams: { requestId: '5231705' } }]);
  assert.deepEqual(await matchingOf({ matchingType: 'chat', chatId: 'c-7' }), [{ type: 'chat', chatParams: { chatId: 'c-7' } }]);
  const req = await matchingOf({ matchingType: 'requestContact', emails: 'a@b.ru', matchingDate: '01/12/2026 10:00:00' });
  assert.deepEqual(req, [{ type: 'requestContact', requestContactParams: { emails: ['a@b.ru'], date: '01-12-2026 10:00:00', requestTypeToMatch: 'nearest' } }]);
  // Nothing flat next to `type`.
  for (const m of [req[0], (await matchingOf({ phones: '79001112233' }))[0]]) assert.deepEqual(Object.keys(m).sort(), ['type', `${m.type}Params`].sort());
});

test('order.update sends the documented body; updateDate is Moscow time, not UTC', async () => {
  seen.length = 0;
  const out = await action('order.update').run(actionCtx(auth(), { limitKey: 'wire' }), { orderNumber: 'RC-1', status: 'paid', statusDate: '2026-12-01T21:15:00Z', revenue: 1600, comment: 'Оплачен', tags: 'paid' });
  assert.deepEqual(out, { orderNumber: 'RC-1', calltouchOrderId: 500 });
  const body = last().body!;
  assert.equal(last().path, '/lead-service/v1/api/client-order/update');
  const { updateDate, ...rest } = body.orders[0];
  assert.deepEqual(rest, { orderNumber: 'RC-1', status: 'paid', statusDate: '02-12-2026 00:15:00', revenue: 1600, addNewComment: { text: 'Оплачен' }, addTags: { overwrite: false, tags: [{ tag: 'paid' }] } });
  assert.deepEqual(Object.keys(body), ['orders']);
  const m = /^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(updateDate);
  assert.ok(m, updateDate);
  const wall = Date.UTC(+m[3], +m[2] - 1, +m[1], +m[4], +m[5], +m[6]);
  // Moscow is UTC+3 all year: the wall clock written is three hours ahead of the instant.
  assert.ok(Math.abs(wall - (Date.now() + 3 * 3_600_000)) < 10 * 60_000, `${updateDate} is not Moscow time`);
});

test('time zone: a fixed instant formats as Moscow time by default, in the connection zone when set; a bad zone is refused before any call', async () => {
  const instant = Date.UTC(2026, 11, 1, 21, 15, 0);
  assert.equal(formatDmyHms(wallClock(instant, 'Europe/Moscow')), '02/12/2026 00:15:00');
  assert.equal(formatDmyHms(wallClock(instant, 'Asia/Yekaterinburg'), '-'), '02-12-2026 02:15:00');
  await action('order.create').run(actionCtx(auth({ timeZone: 'Asia/Yekaterinburg' }), { limitKey: 'wire' }), { orderNumber: 'TZ', callId: 1, orderDate: '2026-12-01T21:15:00Z' });
  assert.equal(last().body!.orders[0].orderDate, '02-12-2026 02:15:00');
  const field = calltouchConnector.auth.fields.find((f) => f.id === 'timeZone')!;
  assert.equal(field.default, 'Europe/Moscow');
  assert.equal(field.required, undefined);
  const before = seen.length;
  await assert.rejects(
    action('order.create').run(actionCtx(auth({ timeZone: 'Mars/Olympus' }), { limitKey: 'wire' }), { orderNumber: 'TZ', callId: 1 }),
    (e: Error) => e instanceof PermanentError && /Часовой пояс «Mars\/Olympus»/.test(e.message),
  );
  assert.equal(seen.length, before);
});

test('order.new polls the window of the account day: 01:30 in Moscow is already the next day', async () => {
  seen.length = 0;
  answer = () => ({ page: 1, pageTotal: 1, pageSize: 1000, recordsTotal: 0, records: [] });
  try {
    await orderNew.poll!({ ...triggerCtx(auth(), { lookbackDays: 7 }, 'wire'), now: () => new Date(Date.UTC(2026, 11, 1, 22, 30)) }, { seen: {} });
  } finally {
    answer = (r) => ({ data: { orders: (r.body?.orders ?? []).map((o: Obj, i: number) => ({ calltouchOrderId: 500 + i, orderNumber: o.orderNumber })) } });
  }
  const diary = seen.filter((r) => r.path.endsWith('/orders-diary/orders'));
  // Both comment kinds are asked for (the seed's withComments picks one), each over the same window.
  assert.deepEqual(diary.map((r) => r.query.get('withComments')).sort(), ['false', 'true']);
  for (const r of diary) {
    assert.equal(r.query.get('dateFrom'), '25/11/2026');
    assert.equal(r.query.get('dateTo'), '03/12/2026');
  }
});

test('a deal that comes back with an error fails create and update with Calltouch message; a temporary one is a TransientError', async () => {
  const ctx = actionCtx(auth(), { limitKey: 'wire' });
  answer = (r) => ({ data: { orders: [{ orderNumber: r.body?.orders?.[0]?.orderNumber, error: { message: 'Не найден звонок для привязки', code: 'CALL_NOT_FOUND' } }] } });
  try {
    await assert.rejects(action('order.create').run(ctx, { orderNumber: 'E-1', callId: 1 }), (e: Error) => e instanceof PermanentError && /Не найден звонок для привязки/.test(e.message) && /E-1/.test(e.message));
    await assert.rejects(action('order.update').run(ctx, { orderNumber: 'E-1', status: 'x' }), (e: Error) => e instanceof PermanentError && /Не найден звонок для привязки/.test(e.message));
    answer = () => ({ data: { orders: [{ orderNumber: 'E-2', error: 'Превышен лимит запросов, повторите позже' }] } });
    await assert.rejects(action('order.create').run(ctx, { orderNumber: 'E-2', callId: 1 }), (e: Error) => e instanceof TransientError && /Превышен лимит запросов/.test(e.message));
    answer = () => ({ data: { orders: [] } });
    await assert.rejects(action('order.update').run(ctx, { orderNumber: 'E-3', status: 'x' }), (e: Error) => e instanceof PermanentError && /нет сделки/.test(e.message));
  } finally {
    answer = (r) => ({ data: { orders: (r.body?.orders ?? []).map((o: Obj, i: number) => ({ calltouchOrderId: 500 + i, orderNumber: o.orderNumber })) } });
  }
});

test('the sandbox refuses the flat matching shape with a 400 naming the params object, and takes the nested one', async () => {
  const sb: CalltouchSandbox = await startCalltouchSandbox({ seed: 3, records: 5 });
  try {
    const post = (matching: Obj) =>
      fetch(`${sb.baseUrl}/lead-service/v1/api/client-order/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Access-Token': sb.credentials.accessToken, SiteId: sb.credentials.siteId },
        body: JSON.stringify({ crm: 't', orders: [{ orderNumber: `F-${Math.random()}`, orderDate: '01-12-2026 10:00:00', matching: [matching] }] }),
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as Obj }));
    const flat = await post({ type: 'callContact', phones: ['79001112233'], nearest: true });
    assert.equal(flat.status, 400);
    assert.equal(flat.json.errorCode, 400);
    assert.match(flat.json.message, /matching\[0\]\.callContactParams/);
    assert.match(flat.json.message, /phones, nearest/);
    const flatCall = await post({ type: 'call', callId: 5 });
    assert.equal(flatCall.status, 400);
    assert.match(flatCall.json.message, /callParams/);
    const badMode = await post({ type: 'callContact', callContactParams: { phones: ['79001112233'], callTypeToMatch: 'closest' } });
    assert.equal(badMode.status, 400);
    assert.match(badMode.json.message, /callTypeToMatch/);
    const ok = await post({ type: 'callContact', callContactParams: { phones: ['79001112233'], date: '01-12-2026 10:00:00', callTypeToMatch: 'nearest', searchDepth: 60 } });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal(typeof ok.json.data.orders[0].calltouchOrderId, 'number');
    // And the connector's own create is accepted end to end.
    const made = await action('order.create').run(actionCtx(sb.credentials, { limitKey: 'wire-sb' }), { orderNumber: 'N-1', phones: '79001112233', matchingMode: 'nearestUniq', searchDepth: 15 });
    assert.equal(typeof made.calltouchOrderId, 'number');
    assert.equal(sb.getOrder('N-1')!.client.phones, '79001112233');
  } finally {
    await sb.close();
  }
});
