// End to end through real parts: webhooks over HTTP into a running app on a real SQLite file,
// actions calling a real HTTP target on loopback.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoTarget } from '../../src/connectors/http/echo-target.ts';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';

type Echo = Awaited<ReturnType<typeof startEchoTarget>>;

const FINAL = new Set(['succeeded', 'failed', 'filtered', 'stopped', 'cancelled']);

async function importFlow(app: TestApp, flow: object) {
  const res = await app.api('/api/v1/flows', { body: flow });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json as { id: string; webhookUrl: string };
}

async function send(app: TestApp, webhookUrl: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const url = webhookUrl.replace(app.services.config.publicUrl, app.url);
  const res = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const json = (await res.json()) as { ok: boolean; id: string };
  assert.equal(res.status, 200, JSON.stringify(json));
  return json.id;
}

async function executionOf(app: TestApp, webhookId: string, final = true) {
  return waitFor(async () => {
    const res = await app.api(`/api/v1/executions?webhookId=${webhookId}`);
    const item = res.json.items?.[0];
    if (!item || (final && !FINAL.has(item.status))) return undefined;
    return (await app.api(`/api/v1/executions/${item.id}`)).json;
  }, 15_000, `execution of ${webhookId}`);
}

describe('webhook → filter → http action', () => {
  let app: TestApp;
  let echo: Echo;

  before(async () => {
    echo = await startEchoTarget();
    app = await startTestApp();
    const conn = await app.api('/api/v1/connections', { body: { name: 'echo', connector: 'http', auth: { baseUrl: echo.baseUrl, headerName: 'Authorization', headerValue: 'Bearer s3cr3t-value' } } });
    assert.equal(conn.status, 201, JSON.stringify(conn.json));
    assert.equal(JSON.stringify(conn.json).includes('s3cr3t'), false, 'secret must not come back');
  });
  after(async () => {
    await app.close();
    await echo.close();
  });

  const orderFlow = (name: string, extra: object[] = [], action: object = {}) => ({
    name,
    enabled: true,
    trigger: { connector: 'webhook', event: 'incoming' },
    steps: [
      { id: 'only_paid', type: 'filter', all: [{ left: '{{trigger.order.status}}', op: 'eq', right: 'complete' }] },
      { id: 'vals', type: 'set', values: { phone: '{{trigger.order.customer.phones.0.number | phone}}', sum: '{{trigger.order.totalSumm | number}}' } },
      ...extra,
      {
        id: 'send',
        type: 'action',
        connector: 'http',
        action: 'request',
        connection: 'echo',
        input: { method: 'POST', url: '/deals', body: { number: '{{trigger.order.number}}', phone: '{{steps.vals.phone}}', sum: '{{steps.vals.sum}}' } },
        ...action,
      },
    ],
  });

  test('a paid order reaches the target with mapped, typed fields; an unpaid one is filtered', async () => {
    const flow = await importFlow(app, orderFlow('orders'));
    assert.match(flow.webhookUrl, /\/hooks\/[a-z0-9]{32}$/);
    echo.reset();
    const paid = await send(app, flow.webhookUrl, { order: { number: 'A1', status: 'complete', totalSumm: '1 500,50', customer: { phones: [{ number: '8 (916) 123-45-67' }] } } });
    const ex = await executionOf(app, paid);
    assert.equal(ex.status, 'succeeded', JSON.stringify(ex));
    assert.deepEqual(ex.steps.map((s: { stepId: string; status: string }) => [s.stepId, s.status]), [['only_paid', 'passed'], ['vals', 'succeeded'], ['send', 'succeeded']]);
    const got = echo.received().find((r) => r.path === '/deals');
    assert.ok(got);
    assert.deepEqual(got.body, { number: 'A1', phone: '79161234567', sum: 1500.5 });
    assert.equal(ex.steps[2].transactions, 1);
    assert.equal(ex.steps[2].output.status, 200);

    const unpaid = await send(app, flow.webhookUrl, { order: { number: 'A2', status: 'new' } });
    const ex2 = await executionOf(app, unpaid);
    assert.equal(ex2.status, 'filtered');
    assert.equal(ex2.steps.length, 1);
  });

  test('form-urlencoded bodies with bracketed keys and query parameters become nested fields', async () => {
    const flow = await importFlow(app, orderFlow('orders-form'));
    echo.reset();
    const body = 'order[number]=F7&order[status]=complete&order[customer][phones][0][number]=%2B7%20916%20000-11-22';
    const url = flow.webhookUrl + '?order[totalSumm]=990';
    const id = await send(app, url, body, { 'content-type': 'application/x-www-form-urlencoded' });
    const ex = await executionOf(app, id);
    assert.equal(ex.status, 'succeeded', JSON.stringify(ex));
    assert.deepEqual(echo.received().find((r) => r.path === '/deals')?.body, { number: 'F7', phone: '79160001122', sum: 990 });
    const hook = await app.api(`/api/v1/webhooks/${id}`);
    assert.equal(hook.json.method, 'POST');
    assert.deepEqual(hook.json.query, { order: { totalSumm: '990' } });
    assert.equal(hook.json.executions.length, 1);
  });

  test('503 is retried with backoff, then succeeds; the idempotency key stays the same', async () => {
    const flow = await importFlow(app, orderFlow('retry-503'));
    echo.reset();
    echo.failNext(2, 503);
    const id = await send(app, flow.webhookUrl, { order: { number: 'R1', status: 'complete' } });
    const ex = await executionOf(app, id);
    assert.equal(ex.status, 'succeeded', JSON.stringify(ex));
    const send_ = ex.steps.find((s: { stepId: string }) => s.stepId === 'send');
    assert.equal(send_.attempts, 3);
    assert.equal(send_.transactions, 3);
    const keys = [...echo.countByKey().entries()].filter(([k]) => k.endsWith('-send'));
    assert.equal(keys.length, 1);
    assert.equal(keys[0][1], 3);
  });

  test('a permanent 400 fails at once with the remote message; manual retry then succeeds', async () => {
    const flow = await importFlow(app, orderFlow('fail-400'));
    echo.reset();
    echo.failNext(1, 400);
    const id = await send(app, flow.webhookUrl, { order: { number: 'P1', status: 'complete' } });
    const ex = await executionOf(app, id);
    assert.equal(ex.status, 'failed');
    assert.equal(ex.errorStep, 'send');
    assert.match(ex.error, /Injected failure/);
    assert.equal(ex.steps.find((s: { stepId: string }) => s.stepId === 'send').attempts, 1);

    const retried = await app.api(`/api/v1/executions/${ex.id}/retry`, { method: 'POST' });
    assert.equal(retried.status, 200, JSON.stringify(retried.json));
    const done = await waitFor(async () => {
      const r = (await app.api(`/api/v1/executions/${ex.id}`)).json;
      return FINAL.has(r.status) ? r : undefined;
    });
    assert.equal(done.status, 'succeeded');
    assert.equal(done.retries, 1);
    assert.equal(echo.received().filter((r) => r.path === '/deals').length, 2);
    // Retrying a succeeded execution is refused.
    assert.equal((await app.api(`/api/v1/executions/${ex.id}/retry`, { method: 'POST' })).status, 409);
  });

  test('onError: continue goes on past a failed action with its error as output', async () => {
    const flow = await importFlow(
      app,
      orderFlow('continue-on-error', [
        { id: 'bad', type: 'action', connector: 'http', action: 'request', connection: 'echo', onError: 'continue', input: { url: '/status/404' } },
      ]),
    );
    const id = await send(app, flow.webhookUrl, { order: { number: 'C1', status: 'complete' } });
    const ex = await executionOf(app, id);
    assert.equal(ex.status, 'succeeded', JSON.stringify(ex));
    const bad = ex.steps.find((s: { stepId: string }) => s.stepId === 'bad');
    assert.equal(bad.status, 'failed');
    assert.match(bad.output.error, /Remote said 404/);
  });

  test('replay runs a stored webhook again as a new execution', async () => {
    const flow = await importFlow(app, orderFlow('replay'));
    const id = await send(app, flow.webhookUrl, { order: { number: 'RP', status: 'complete' } });
    const first = await executionOf(app, id);
    const replay = await app.api(`/api/v1/webhooks/${id}/replay`, { method: 'POST' });
    assert.equal(replay.status, 201, JSON.stringify(replay.json));
    assert.equal(replay.json.origin, 'replay');
    assert.notEqual(replay.json.id, first.id);
    const done = await waitFor(async () => {
      const r = (await app.api(`/api/v1/executions/${replay.json.id}`)).json;
      return FINAL.has(r.status) ? r : undefined;
    });
    assert.equal(done.status, 'succeeded');
  });

  test('a disabled flow still keeps its webhooks in history, without executions', async () => {
    const flow = await importFlow(app, { ...orderFlow('disabled'), enabled: false });
    const id = await send(app, flow.webhookUrl, { order: { number: 'D1' } });
    const hook = await app.api(`/api/v1/webhooks/${id}`);
    assert.equal(hook.json.status, 'no_enabled_flow');
    assert.equal(hook.json.executions.length, 0);
  });

  test('secrets never appear in history or the journal', async () => {
    const flow = await importFlow(app, orderFlow('secrets'));
    const url = flow.webhookUrl.replace(app.services.config.publicUrl, app.url);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sender-secret', 'x-api-key': 'k-123' }, body: JSON.stringify({ order: { status: 'complete' } }) });
    const { id } = (await res.json()) as { id: string };
    const ex = await executionOf(app, id);
    const hook = await app.api(`/api/v1/webhooks/${id}`);
    const text = JSON.stringify([hook.json, ex]);
    assert.equal(text.includes('sender-secret'), false);
    assert.equal(text.includes('k-123'), false);
    assert.equal(text.includes('s3cr3t-value'), false);
    assert.equal(hook.json.headers.authorization, '[redacted]');
    // …while the target did get the connection's auth header.
    assert.equal(echo.received().at(-1)?.headers.authorization, undefined, 'echo target drops authorization from its records');
  });
});

describe('delay steps', () => {
  test('a delay survives a restart and then completes', async () => {
    const echo = await startEchoTarget();
    let app = await startTestApp();
    try {
      await app.api('/api/v1/connections', { body: { name: 'echo', connector: 'http', auth: { baseUrl: echo.baseUrl } } });
      const flow = await importFlow(app, {
        name: 'delayed',
        enabled: true,
        trigger: { connector: 'webhook', event: 'incoming' },
        steps: [
          { id: 'wait', type: 'delay', seconds: 2 },
          { id: 'call', type: 'action', connector: 'http', action: 'request', connection: 'echo', input: { url: '/after-delay' } },
        ],
      });
      const id = await send(app, flow.webhookUrl, { x: 1 });
      const waiting = await executionOf(app, id, false);
      await waitFor(async () => (await app.api(`/api/v1/executions/${waiting.id}`)).json.status === 'waiting', 60_000, 'waiting');
      app = await app.restart();
      const done = await waitFor(async () => {
        const r = (await app.api(`/api/v1/executions/${waiting.id}`)).json;
        return FINAL.has(r.status) ? r : undefined;
      });
      assert.equal(done.status, 'succeeded');
      assert.deepEqual(done.steps.map((s: { status: string }) => s.status), ['succeeded', 'succeeded']);
      assert.equal(echo.received().filter((r) => r.path === '/after-delay').length, 1);
    } finally {
      await app.close();
      await echo.close();
    }
  });
});
