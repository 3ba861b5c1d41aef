// What the web UI needs of flows, through a real app: the paged list with counters, catching a
// sample (webhook long poll, one poll of a polling trigger), test runs on a sample (against the
// real service or the connectors' sandboxes), and the templates.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCalltouchSandbox, type CalltouchSandbox } from '../../src/connectors/calltouch/sandbox.ts';
import { formatDmy } from '../../src/connectors/calltouch/client.ts';
import { startEchoTarget, type EchoTarget } from '../../src/connectors/http/echo-target.ts';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';

let app: TestApp;
let echo: EchoTarget;
let ct: CalltouchSandbox;
before(async () => {
  echo = await startEchoTarget();
  const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  ct = await startCalltouchSandbox({ seed: 3, records: 12, startDate: formatDmy(today - 3 * 86_400_000), days: 3 });
  app = await startTestApp();
  const conn = await app.api('/api/v1/connections', { body: { name: 'ct', connector: 'calltouch', auth: ct.credentials } });
  assert.equal(conn.status, 201, JSON.stringify(conn.json));
});
after(async () => {
  await app?.close();
  await echo?.close();
  await ct?.close();
});

const hook = { connector: 'webhook', event: 'incoming' };

async function saveFlow(flow: object) {
  const res = await app.api('/api/v1/flows', { body: flow });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json as { id: string; webhookUrl: string; version: number };
}

async function send(webhookUrl: string, body: object): Promise<string> {
  const res = await fetch(webhookUrl.replace(app.services.config.publicUrl, app.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { id: string }).id;
}

async function finished(webhookId: string) {
  return waitFor(async () => {
    const item = (await app.api(`/api/v1/executions?webhookId=${webhookId}`)).json.items?.[0];
    if (!item || ['queued', 'running', 'retrying', 'waiting'].includes(item.status)) return undefined;
    return (await app.api(`/api/v1/executions/${item.id}`)).json;
  }, 20_000, `execution of ${webhookId}`);
}

test('GET /flows: pages, a case-insensitive name search, total, and counters per flow', async () => {
  const ok = await saveFlow({
    name: 'Счётчики: Заказы',
    enabled: true,
    trigger: hook,
    steps: [{ id: 'send', type: 'action', connector: 'http', action: 'request', input: { method: 'POST', url: `${echo.baseUrl}/{{trigger.path}}` } }],
  });
  for (const name of ['Счётчики: Б', 'Счётчики: В', 'Другое']) await saveFlow({ name, trigger: hook });
  const good = await finished(await send(ok.webhookUrl, { path: 'ok' }));
  assert.equal(good.status, 'succeeded');
  const bad = await finished(await send(ok.webhookUrl, { path: 'status/400' }));
  assert.equal(bad.status, 'failed');

  const page = await app.api('/api/v1/flows?q=' + encodeURIComponent('СЧЁТЧИКИ') + '&limit=2&offset=0');
  assert.equal(page.status, 200, JSON.stringify(page.json));
  assert.equal(page.json.total, 3);
  assert.equal(page.json.items.length, 2);
  const rest = await app.api('/api/v1/flows?q=' + encodeURIComponent('счётчики') + '&limit=2&offset=2');
  assert.equal(rest.json.items.length, 1);
  const names = [...page.json.items, ...rest.json.items].map((f: { name: string }) => f.name);
  assert.deepEqual(names.sort(), ['Счётчики: Б', 'Счётчики: В', 'Счётчики: Заказы']);

  const counted = page.json.items.find((f: { id: string }) => f.id === ok.id) ?? rest.json.items.find((f: { id: string }) => f.id === ok.id);
  assert.equal(counted.stats.executionsToday, 2);
  assert.equal(counted.stats.errorsToday, 1);
  assert.equal(counted.stats.transactionsMonth, 2, 'each request sent is a transaction');
  assert.equal(counted.stats.lastExecution.id, bad.id);
  assert.equal(counted.stats.lastExecution.status, 'failed');
  assert.ok(!Number.isNaN(Date.parse(counted.stats.lastExecution.at)));
  const idle = [...page.json.items, ...rest.json.items].find((f: { name: string }) => f.name === 'Счётчики: Б');
  assert.deepEqual(idle.stats, { lastExecution: null, executionsToday: 0, errorsToday: 0, transactionsMonth: 0 });

  const all = await app.api('/api/v1/flows');
  assert.ok(all.json.total >= 4 && all.json.items.length === all.json.total);

  // Executions and webhooks name their flow; an execution sums its transactions; from/to filter by time.
  const list = await app.api(`/api/v1/executions?flowId=${ok.id}`);
  assert.ok(list.json.items.every((e: { flowName: string }) => e.flowName === 'Счётчики: Заказы'));
  const one = await app.api(`/api/v1/executions/${good.id}`);
  assert.equal(one.json.flowName, 'Счётчики: Заказы');
  assert.equal(one.json.transactions, 1);
  const future = new Date(Date.now() + 60_000).toISOString();
  assert.equal((await app.api(`/api/v1/executions?flowId=${ok.id}&from=${encodeURIComponent(future)}`)).json.items.length, 0);
  assert.equal((await app.api(`/api/v1/executions?flowId=${ok.id}&to=${encodeURIComponent(future)}`)).json.items.length, 2);
  const hooks = await app.api(`/api/v1/webhooks?flowId=${ok.id}`);
  assert.ok(hooks.json.items.length === 2 && hooks.json.items.every((w: { flowName: string }) => w.flowName === 'Счётчики: Заказы'));
});

test('sample wait: a disabled flow stores its webhooks; the long poll answers as soon as one arrives', { timeout: 90_000 }, async () => {
  const flow = await saveFlow({ name: 'Образец', trigger: hook, steps: [{ id: 'v', type: 'set', values: { a: '{{trigger.order.id}}' } }] });
  const empty = Date.now();
  const none = await app.api(`/api/v1/flows/${flow.id}/sample/wait?timeoutSec=1`);
  assert.deepEqual(none.json, { webhook: null });
  assert.ok(Date.now() - empty >= 900, 'waited out the timeout');

  // Intake signals each stored webhook, which wakes the waiters at once (were it silent, this
  // hour-long wait would only end with the test's timeout).
  const woken = app.services.webhookSignals.next(flow.id, 3_600_000);
  const waiting = app.api(`/api/v1/flows/${flow.id}/sample/wait?timeoutSec=20`);
  await new Promise((r) => setTimeout(r, 300));
  const id = await send(flow.webhookUrl, { order: { id: 7, phones: ['+7 916 000-00-00'] } });
  assert.equal(await woken, id, 'intake signalled the stored webhook');
  const caught = await waiting;
  assert.equal(caught.status, 200, JSON.stringify(caught.json));
  assert.equal(caught.json.webhook.id, id);
  assert.deepEqual(caught.json.webhook.body, { order: { id: 7, phones: ['+7 916 000-00-00'] } });
  assert.deepEqual(caught.json.fields, [{ id: 'order.id', value: 7 }, { id: 'order.phones.0', value: '+7 916 000-00-00' }]);
  assert.equal((await app.api(`/api/v1/executions?flowId=${flow.id}`)).json.items.length, 0, 'a disabled flow runs nothing');

  // Already there: no wait. Nothing newer than `after`: the timeout.
  const again = await app.api(`/api/v1/flows/${flow.id}/sample/wait?after=&timeoutSec=20`);
  assert.equal(again.json.webhook.id, id);
  const newer = await app.api(`/api/v1/flows/${flow.id}/sample/wait?after=${id}&timeoutSec=1`);
  assert.equal(newer.json.webhook, null);
  assert.equal((await app.api(`/api/v1/flows/${flow.id}/sample/wait?timeoutSec=31`)).status, 400, 'the wait is bounded');
});

test('sample poll: one poll of a polling trigger, recent events even on the first poll, no executions, cursor untouched', async () => {
  const flow = await saveFlow({
    name: 'Сделки Calltouch',
    trigger: { connector: 'calltouch', event: 'order.new', connection: 'ct', options: { lookbackDays: 7 } },
    steps: [{ id: 'v', type: 'set', values: { n: '{{trigger.orderNumber}}' } }],
  });
  const res = await app.api(`/api/v1/flows/${flow.id}/sample/poll`, { method: 'POST' });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.ok(res.json.events.length > 0, 'the first poll only takes a baseline, so recent deals are read from a look-back');
  assert.ok(res.json.events.length <= 20);
  assert.equal(res.json.lookedBack, true);
  assert.ok(res.json.events[0].orderNumber);
  assert.ok(res.json.fields.some((f: { id: string }) => f.id === 'orderNumber'));
  assert.equal(await app.services.store.getTriggerCursor(flow.id), undefined, 'the saved cursor did not move');
  assert.equal((await app.api(`/api/v1/executions?flowId=${flow.id}`)).json.items.length, 0);

  const webhookFlow = await saveFlow({ name: 'Не опрос', trigger: hook });
  const refused = await app.api(`/api/v1/flows/${webhookFlow.id}/sample/poll`, { method: 'POST' });
  assert.equal(refused.status, 409);
});

test('test run: validated like a save; each step with its resolved input, output and time; nothing stored; real calls metered', async () => {
  const used = async () => (await app.api('/api/v1/usage')).json.transactions.used as number;
  const usedBefore = await used();
  const invalid = await app.api('/api/v1/flows/test-run', { body: { definition: { name: 'x', trigger: hook, steps: [{ id: 'h', type: 'action', connector: 'http', action: 'request', input: {} }] }, sandbox: false } });
  assert.equal(invalid.status, 422);
  assert.equal(invalid.json.error, 'invalid_flow');
  assert.match(invalid.json.issues[0].path, /steps\[0\] \(h\)\.input\.url/);

  const before = echo.received().length;
  const definition = {
    name: 'Проба',
    trigger: hook,
    steps: [
      { id: 'prep', type: 'set', values: { total: '{{trigger.sum | number}}' } },
      { id: 'wait', type: 'delay', seconds: 3600 },
      { id: 'send', type: 'action', connector: 'http', action: 'request', input: { method: 'POST', url: `${echo.baseUrl}/orders`, body: { total: '{{steps.prep.total}}' } } },
      { id: 'big', type: 'filter', all: [{ left: '{{steps.prep.total}}', op: 'gt', right: 1000 }] },
      { id: 'never', type: 'set', values: { x: 1 } },
    ],
  };
  const res = await app.api('/api/v1/flows/test-run', { body: { definition, sample: { sum: '500' }, sandbox: false } });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.equal(res.json.status, 'filtered');
  assert.deepEqual(res.json.steps.map((s: { stepId: string; status: string }) => `${s.stepId}:${s.status}`), ['prep:succeeded', 'wait:skipped', 'send:succeeded', 'big:filtered']);
  const send = res.json.steps[2];
  assert.deepEqual(send.input.body, { total: 500 });
  assert.equal(send.output.status, 200);
  assert.equal(typeof send.durationMs, 'number');
  assert.equal(echo.received().length, before + 1, 'without sandbox the real service is called');
  assert.equal((await app.api('/api/v1/executions?limit=500')).json.items.filter((e: { flowName: string }) => e.flowName === 'Проба').length, 0);

  // A failing step: the run stops there with its error.
  const failing = await app.api('/api/v1/flows/test-run', { body: { definition: { ...definition, steps: [{ id: 's', type: 'action', connector: 'http', action: 'request', input: { url: `${echo.baseUrl}/status/400` } }] }, sample: {}, sandbox: false } });
  assert.equal(failing.json.status, 'failed');
  assert.match(failing.json.error, /400/);
  assert.equal(failing.json.steps[0].status, 'failed');
  assert.equal(await used(), usedBefore + 2, 'each real request of a test run is a transaction');
  const byFlow = (await app.api('/api/v1/usage')).json.transactionsByFlow as Array<{ flowId: string; connector: string; transactions: number }>;
  assert.equal(byFlow.find((r) => r.flowId === 'test-run' && r.connector === 'http')?.transactions, 2, 'a never-saved draft counts under "test-run"');
});

test('test run with sandbox: every action goes to its connector sandbox, nothing to the real account, nothing metered', async () => {
  const httpSecret = 'Bearer real-secret-42';
  const api = await app.api('/api/v1/connections', { body: { name: 'real-api', connector: 'http', auth: { baseUrl: echo.baseUrl, headerName: 'X-Api-Key', headerValue: httpSecret } } });
  assert.equal(api.status, 201, JSON.stringify(api.json));
  const usageBefore = (await app.api('/api/v1/usage')).json;
  const echoBefore = echo.received().length;
  const definition = {
    name: 'Песочница',
    trigger: hook,
    steps: [
      { id: 'note', type: 'action', connector: 'retailcrm', action: 'customerNote.create', connection: 'retailcrm-placeholder', input: { 'customer.id': '{{trigger.customerId}}', text: 'Заказ {{trigger.number}}' } },
      { id: 'deal', type: 'action', connector: 'calltouch', action: 'order.create', connection: 'ct', input: { orderNumber: 'T-{{trigger.number}}', phones: '79160000000', status: 'new' } },
      { id: 'out', type: 'action', connector: 'http', action: 'request', connection: 'real-api', input: { method: 'POST', url: '/real', body: { n: '{{trigger.number}}' } } },
    ],
  };
  const res = await app.api('/api/v1/flows/test-run', { body: { definition, sample: { customerId: 501, number: 'A-1' }, sandbox: true } });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.equal(res.json.status, 'succeeded', JSON.stringify(res.json));
  const [note, deal, out] = res.json.steps;
  assert.equal(note.input.text, 'Заказ A-1');
  assert.equal(typeof note.output.id, 'number');
  assert.equal(deal.status, 'succeeded');
  assert.equal(out.output.status, 200);
  assert.equal(echo.received().length, echoBefore, 'the real HTTP target got nothing (the echo sandbox answered)');
  assert.equal(ct.getOrder('T-A-1'), undefined, 'the real Calltouch account got no deal');
  assert.equal(out.output.data.path, '/real', 'the real connection\'s base URL shaped the request the echo sandbox answered');
  const usageAfter = (await app.api('/api/v1/usage')).json;
  assert.deepEqual(usageAfter.month ?? usageAfter, usageBefore.month ?? usageBefore, 'nothing metered');

  // The same sandbox is reused; a second run works too.
  const again = await app.api('/api/v1/flows/test-run', { body: { definition, sample: { customerId: 502, number: 'A-2' }, sandbox: true } });
  assert.equal(again.json.status, 'succeeded', JSON.stringify(again.json));
});

test('test run without a sample uses the saved flow\'s latest webhook', async () => {
  const flow = await saveFlow({ name: 'По последнему', trigger: hook, steps: [{ id: 'v', type: 'set', values: { a: '{{trigger.a}}' } }] });
  await send(flow.webhookUrl, { a: 'first' });
  await send(flow.webhookUrl, { a: 'latest' });
  const res = await app.api('/api/v1/flows/test-run', { body: { definition: { name: 'По последнему', trigger: hook, steps: [{ id: 'v', type: 'set', values: { a: '{{trigger.a}}' } }] }, sandbox: true } });
  assert.equal(res.json.status, 'succeeded');
  assert.deepEqual(res.json.steps[0].output, { a: 'latest' });
});

test('retry: as it ran repeats the failed step with the old version; current goes on with the flow as saved now', async () => {
  const def = (url: string) => ({
    name: 'Повтор',
    enabled: true,
    trigger: hook,
    steps: [
      { id: 'first', type: 'action', connector: 'http', action: 'request', input: { url: `${echo.baseUrl}/first` } },
      { id: 'second', type: 'action', connector: 'http', action: 'request', input: { url } },
    ],
  });
  const flow = await saveFlow(def(`${echo.baseUrl}/status/400`));
  const failed = await finished(await send(flow.webhookUrl, {}));
  assert.equal(failed.status, 'failed');
  assert.equal(failed.errorStep, 'second');
  const fixed = await app.api(`/api/v1/flows/${flow.id}`, { method: 'PUT', body: def(`${echo.baseUrl}/fixed`) });
  assert.equal(fixed.json.version, flow.version + 1);

  const asRan = await app.api(`/api/v1/executions/${failed.id}/retry`, { method: 'POST' });
  assert.equal(asRan.status, 200, JSON.stringify(asRan.json));
  const again = await waitFor(async () => {
    const e = (await app.api(`/api/v1/executions/${failed.id}`)).json;
    return e.status === 'failed' ? e : undefined;
  });
  assert.equal(again.flowVersion, flow.version);

  const firstCalls = () => echo.received().filter((r) => r.path === '/first').length;
  const firstBefore = firstCalls();
  const current = await app.api(`/api/v1/executions/${failed.id}/retry`, { body: { mode: 'current' } });
  assert.equal(current.status, 200, JSON.stringify(current.json));
  assert.equal(current.json.flowVersion, flow.version + 1);
  const done = await waitFor(async () => {
    const e = (await app.api(`/api/v1/executions/${failed.id}`)).json;
    return e.status === 'succeeded' ? e : undefined;
  });
  assert.equal(done.steps.find((s: { stepId: string }) => s.stepId === 'second').output.status, 200);
  assert.equal(firstCalls(), firstBefore, 'the step that had succeeded was not called again');
  assert.ok(echo.received().some((r) => r.path === '/fixed'));
  assert.equal((await app.api(`/api/v1/executions/${failed.id}/retry`, { body: { mode: 'sideways' } })).status, 400);
});

test('templates: the recipes, each a valid flow once connections of the placeholder names exist', async () => {
  const res = await app.api('/api/v1/templates');
  assert.equal(res.status, 200);
  const items = res.json.items as Array<{ id: string; name: { ru: string; en: string }; description: { ru: string }; connectors: string[]; connections: Array<{ placeholder: string; connector: string }>; flow: { name: string } }>;
  const names = items.map((t) => t.name.ru);
  for (const wanted of ['RetailCRM: новый заказ → HTTP-запрос + заметка клиенту', 'RetailCRM: заказ выполнен → сделка Calltouch', 'Вебхук → HTTP-запрос', 'Calltouch: новая сделка → заказ RetailCRM']) {
    assert.ok(names.includes(wanted), wanted);
  }
  const ws = await app.createToken('templates');
  const auth: Record<string, Record<string, string>> = {
    retailcrm: { url: 'https://demo.retailcrm.ru', apiKey: 'k' },
    calltouch: { siteId: '1', clientApiId: 'x', accessToken: 'y', nodeHost: 'https://api.calltouch.ru' },
    http: { baseUrl: 'https://example.ru' },
    ozon: { clientId: '1', apiKey: 'k' },
    wildberries: { token: 'eyJ.sandbox.token' },
    kaspi: { token: 'k' },
  };
  for (const t of items) {
    assert.ok(t.name.en && t.description.ru && t.connectors.length > 0);
    for (const c of t.connections) {
      const saved = await app.api('/api/v1/connections', { token: ws, body: { name: c.placeholder, connector: c.connector, auth: auth[c.connector] } });
      assert.ok([200, 201].includes(saved.status), JSON.stringify(saved.json));
    }
    const flow = await app.api('/api/v1/flows', { token: ws, body: t.flow });
    assert.equal(flow.status, 201, `${t.id}: ${JSON.stringify(flow.json)}`);
    assert.equal(flow.json.enabled, false);
    // The RetailCRM → HTTP recipes run in the sandboxes as they come (RetailCRM's trigger re-fetches the order there);
    // every recipe runs end to end in test/recipes.
    if (!['retailcrm-order-note-http', 'order-to-http', 'calltouch-deal-to-retailcrm'].includes(t.id)) continue;
    const sample = t.connectors[0] === 'retailcrm' ? { order: { id: 1001 } } : { orderNumber: 'S-1', orderStatus: 'new', client: { phones: '79160000000' } };
    const run = await app.api('/api/v1/flows/test-run', { token: ws, body: { definition: t.flow, sample, sandbox: true } });
    assert.equal(run.status, 200, JSON.stringify(run.json));
    assert.notEqual(run.json.status, 'failed', `${t.id}: ${JSON.stringify(run.json)}`);
    if (t.connectors[0] === 'retailcrm') assert.equal(run.json.steps[0].stepId, 'trigger');
  }
});
