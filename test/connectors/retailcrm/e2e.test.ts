// RetailCRM flows in a running Svyazka app against the sandbox, over real HTTP: the sandbox's own
// trigger sends the webhook, the engine re-fetches the order, then writes a customer note; a
// create retried after a lost answer or 503s does not duplicate; history polling survives a restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { retailcrmConnector } from '../../../src/connectors/retailcrm/index.ts';
import { startRetailcrmSandbox, type RetailcrmSandbox } from '../../../src/connectors/retailcrm/sandbox.ts';
import { startTestApp, waitFor, type TestApp } from '../../support/app.ts';
import { registryWithRetailcrm } from './support.ts';

let app: TestApp;
let sb: RetailcrmSandbox;

before(async () => {
  sb = await startRetailcrmSandbox({ seed: 11, records: 8 });
  app = await startTestApp({ connectors: registryWithRetailcrm() });
  const conn = await app.api('/api/v1/connections', { body: { name: 'crm', connector: 'retailcrm', auth: sb.credentials } });
  assert.equal(conn.status, 201, JSON.stringify(conn.json));
  const bad = await app.api('/api/v1/connections', { body: { name: 'crm-bad', connector: 'retailcrm', auth: { ...sb.credentials, apiKey: 'nope' } } });
  assert.equal(bad.status, 201);
});
after(async () => {
  await app?.close();
  await sb?.close();
});

const local = (url: string) => url.replace(app.services.config.publicUrl, app.url);

async function finished(flowId: string, count = 1): Promise<any[]> {
  return waitFor(async () => {
    const items = (await app.api(`/api/v1/executions?flowId=${flowId}`)).json.items as any[];
    if (items.length < count || items.some((i) => ['queued', 'running', 'retrying', 'waiting'].includes(i.status))) return undefined;
    return Promise.all(items.map(async (i) => (await app.api(`/api/v1/executions/${i.id}`)).json));
  }, 20_000, `executions of ${flowId}`);
}

test('the catalog API publishes the RetailCRM events and actions with the page ids', async () => {
  const res = await app.api('/api/v1/catalog/retailcrm');
  assert.equal(res.status, 200, JSON.stringify(res.json).slice(0, 300));
  const cat = res.json;
  assert.deepEqual(cat.events.map((e: any) => e.id).slice(0, 2), ['order.created', 'order.changed']);
  assert.ok(cat.events[0].fields.some((f: any) => f.id === 'customer.phones.0.number' && f.label === 'Номер телефона'));
  const create = cat.actions.find((a: any) => a.id === 'order.create');
  assert.ok(create.input.some((f: any) => f.id === 'items.0.offer.externalId' && f.label === 'Внешний ID торгового предложения'));
});

test('connection test through the API: ok, and a wrong key in plain Russian', async () => {
  const list = (await app.api('/api/v1/connections')).json;
  const items = (list.items ?? list) as any[];
  const good = items.find((c) => c.name === 'crm');
  const bad = items.find((c) => c.name === 'crm-bad');
  const ok = await app.api(`/api/v1/connections/${good.id}/test`, { method: 'POST' });
  assert.equal(ok.json.ok, true, JSON.stringify(ok.json));
  const no = await app.api(`/api/v1/connections/${bad.id}/test`, { method: 'POST' });
  assert.equal(no.json.ok, false);
  assert.match(no.json.message, /RetailCRM отклонил API-ключ \(Wrong "apiKey" value\.\)/);
});

test('order.changed webhook (form order[id]=…) → prepare re-fetches the order → customerNote.create', async () => {
  const flow = await app.api('/api/v1/flows', {
    body: {
      name: 'RetailCRM: смена статуса → заметка клиенту',
      enabled: true,
      trigger: { connector: 'retailcrm', event: 'order.changed', connection: 'crm' },
      steps: [
        {
          id: 'note',
          type: 'action',
          connector: 'retailcrm',
          action: 'customerNote.create',
          connection: 'crm',
          input: { 'customer.id': '{{trigger.customer.id}}', text: 'Заказ {{trigger.number}}: статус {{trigger.status}}, сумма {{trigger.totalSumm}}, тел. {{trigger.customer.phones.0.number}}' },
        },
      ],
    },
  });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  assert.ok(flow.json.webhookUrl);
  // The flow tells the user, in Russian, how to make RetailCRM call it.
  const shown = (await app.api(`/api/v1/flows/${flow.json.id}`)).json;
  assert.match(shown.setupInstructions, /Администрирование → Автоматизация → Триггеры/);
  assert.ok(shown.setupInstructions.includes(flow.json.webhookUrl));
  // RetailCRM's trigger: Автоматизация → Триггеры → «Отправить HTTP-запрос», parameter order[id].
  sb.addTrigger({ event: 'order.changed', url: local(flow.json.webhookUrl), params: { 'order[id]': '{{ order.id }}' } });
  const order = sb.state.orders.find((o) => o.status !== 'complete')!;
  sb.userEdit(order.id, { status: 'complete' });
  const [ex] = await finished(flow.json.id);
  assert.equal(ex.status, 'succeeded', JSON.stringify(ex));
  assert.equal(sb.triggerLog.at(-1)!.status, 200);
  const trig = ex.steps.find((s: any) => s.stepId === 'trigger');
  assert.equal(trig.output.id, order.id, 'the full order was re-fetched');
  assert.equal(trig.output.customer.id, order.customer.id);
  const note = sb.state.notes.at(-1)!;
  assert.equal(note.customer.id, order.customer.id);
  assert.equal(note.text, `Заказ ${order.number}: статус complete, сумма ${order.totalSumm}, тел. ${order.customer.phones[0].number}`);
});

test('order.create: 503s are retried by the engine; a lost answer is retried without a duplicate', async () => {
  const flow = await app.api('/api/v1/flows', {
    body: {
      name: 'webhook → RetailCRM order.create',
      enabled: true,
      trigger: { connector: 'webhook', event: 'incoming' },
      steps: [
        {
          id: 'create',
          type: 'action',
          connector: 'retailcrm',
          action: 'order.create',
          connection: 'crm',
          input: { firstName: '{{trigger.name}}', phone: '{{trigger.phone}}', 'items.0.offer.externalId': '{{trigger.offer}}', 'items.0.quantity': '{{trigger.qty}}' },
          retry: { maxAttempts: 5, baseDelayMs: 50 },
        },
      ],
    },
  });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  const send = (body: object) => fetch(local(flow.json.webhookUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const offer = sb.state.products[2].offers[0].externalId;

  const before1 = sb.state.orders.length;
  sb.failNext(3, 503); // the client's own back-off (2 retries) is not enough: the engine retries the step
  await send({ name: 'Лимит', phone: '+79990000001', offer, qty: 1 });
  const [ex1] = await finished(flow.json.id, 1);
  assert.equal(ex1.status, 'succeeded', JSON.stringify(ex1));
  assert.ok(ex1.steps[0].attempts >= 2, `attempts: ${ex1.steps[0].attempts}`);
  assert.equal(sb.state.orders.length, before1 + 1);

  const before2 = sb.state.orders.length;
  sb.loseNextResponse(1); // the order is created, the answer never arrives
  await send({ name: 'Потерянный ответ', phone: '+79990000002', offer, qty: 2 });
  const all = await finished(flow.json.id, 2);
  const ex2 = all.find((e) => e.id !== ex1.id)!;
  assert.equal(ex2.status, 'succeeded', JSON.stringify(ex2));
  assert.ok(ex2.steps[0].attempts >= 2);
  assert.equal(sb.state.orders.length, before2 + 1, 'exactly one order');
  assert.equal(ex2.steps[0].output.externalId, `svz-${ex2.id}-create`);
  assert.equal(sb.state.orders.filter((o) => o.externalId === `svz-${ex2.id}-create`).length, 1);
});

test('validation error: the execution fails at once with RetailCRM message', async () => {
  const flow = await app.api('/api/v1/flows', {
    body: {
      name: 'bad create',
      enabled: true,
      trigger: { connector: 'webhook', event: 'incoming' },
      steps: [{ id: 'create', type: 'action', connector: 'retailcrm', action: 'order.create', connection: 'crm', input: { email: '{{trigger.email}}' } }],
    },
  });
  await fetch(local(flow.json.webhookUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"broken@"}' });
  const [ex] = await finished(flow.json.id);
  assert.equal(ex.status, 'failed');
  assert.equal(ex.steps[0].attempts, 1);
  assert.match(ex.error, /Order is not loaded \(email: This value is not a valid email address\.\)/);
});

test('order.changed by history polling: one event per order per poll, own changes skipped, nothing lost or repeated across a restart', async () => {
  const flow = await app.api('/api/v1/flows', {
    body: {
      name: 'poll changes',
      enabled: true,
      trigger: { connector: 'retailcrm', event: 'order.changed', connection: 'crm', options: { delivery: 'poll', intervalSeconds: 3600 } },
      steps: [{ id: 'v', type: 'set', values: { id: '{{trigger.id}}', status: '{{trigger.status}}', fields: '{{trigger.changedFields | join: ","}}' } }],
    },
  });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  const flowId = flow.json.id;
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 0, 'first poll only sets the starting point');
  await new Promise((r) => setTimeout(r, 1100)); // history startDate has one-second precision
  const [a, b] = sb.state.orders.slice(0, 2);
  sb.userEdit(a.id, { status: 'assembling', managerComment: 'Собираем' });
  sb.userEdit(b.id, { status: 'delivering' });
  // A change through the API with this very key (e.g. a flow's own order.update): loop guard.
  await retailcrmConnector.actions.find((x) => x.id === 'order.update')!.run(
    { auth: sb.credentials, http: (await import('../../../src/engine/outbound/http-client.ts')).createConnectorHttp({ guard: app.services.outbound, limiter: app.services.limiter }), logger: app.services.logger, signal: AbortSignal.timeout(5000), idempotencyKey: 'k', executionId: 'e', stepId: 's' },
    { id: sb.state.orders[2].id, managerComment: 'Изменено самим Svyazka' },
  );
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 2);
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 0, 'nothing twice');
  const first = await finished(flowId, 2);
  const byId = new Map(first.map((e) => [e.steps[0].output.id, e.steps[0].output]));
  assert.deepEqual(byId.get(a.id), { id: a.id, status: 'assembling', fields: 'status,managerComment' });
  assert.equal(byId.get(b.id).status, 'delivering');

  // Svyazka is down while the CRM changes; after the restart the change is found once.
  app = await app.restart();
  sb.userEdit(a.id, { status: 'complete' });
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 1);
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 0);
  const all = await finished(flowId, 3);
  assert.equal(all.length, 3);
  assert.ok(all.some((e) => e.steps[0].output.id === a.id && e.steps[0].output.status === 'complete'));
});

test('demo wiring: the sandbox own trigger drives "order.changed → customerNote.create"', async () => {
  const { startRetailcrmDemo } = await import('../../../src/connectors/retailcrm/demo.ts');
  const s = app.services;
  const ws = await s.store.ensureWorkspace('demo', 'Демо');
  const demo = await startRetailcrmDemo({
    saveConnection: (input) => s.connections.save(ws.id, input),
    saveFlow: async (flow) => s.flows.view(await s.flows.save(ws.id, flow)),
    localUrl: (u) => u.replace(s.config.publicUrl, app.url),
  });
  try {
    const notesBefore = demo.sandbox.state.notes.length;
    const changed = demo.changeSomeOrder();
    await waitFor(() => demo.sandbox.state.notes.length > notesBefore, 15_000, 'a note in the sandbox');
    const note = demo.sandbox.state.notes.at(-1)!;
    assert.match(note.text, new RegExp(`^Заказ ${changed.number} на [\\d.]+ ₽: статус «${changed.status}»$`));
    assert.ok(demo.describe().some((l) => l.includes('Автоматизация → Триггеры')));
  } finally {
    await demo.close();
  }
});

test('a caught sample shows the whole re-fetched order, as the steps will see it; a bad key falls back to the body with the reason', async () => {
  const order = sb.state.orders[1];
  for (const [name, connection] of [['Образец заказа', 'crm'], ['Образец с плохим ключом', 'crm-bad']] as const) {
    const flow = (await app.api('/api/v1/flows', {
      body: { name, enabled: false, trigger: { connector: 'retailcrm', event: 'order.changed', connection }, steps: [{ id: 'v', type: 'set', values: { n: '{{trigger.number}}' } }] },
    })).json;
    const sent = await fetch(local(flow.webhookUrl), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `order%5Bid%5D=${order.id}` });
    assert.equal(sent.status, 200);
    const sample = (await app.api(`/api/v1/flows/${flow.id}/sample/wait?timeoutSec=10`)).json;
    assert.deepEqual(sample.webhook.body, { order: { id: String(order.id) } });
    const fields = new Map((sample.fields as Array<{ id: string; value: unknown }>).map((f) => [f.id, f.value]));
    if (connection === 'crm') {
      assert.equal(fields.get('number'), order.number, 'the re-fetched order, not just its id');
      assert.equal(fields.get('status'), order.status);
      assert.equal(sample.prepareError, undefined);
    } else {
      assert.equal(fields.get('order.id'), String(order.id));
      assert.match(sample.prepareError, /apiKey/);
    }
  }
});
