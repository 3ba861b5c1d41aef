// A trigger event's dedupeKey is unique per flow: a poll that sees an event twice starts one
// execution; different keys start one each; a manual run of the same event (no key) still runs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorRegistry } from '../../src/connector-kit/registry.ts';
import { builtinConnectors } from '../../src/connectors/index.ts';
import type { ConnectorDefinition, TriggerEvent } from '../../src/connector-kit/types.ts';
import { newId } from '../../src/lib/ids.ts';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';

/** The state a webhook trigger's prepare reads, per order id. */
const orders = new Map<string, Record<string, unknown>>();
/** What the next poll returns, per flow id. */
const next = new Map<string, TriggerEvent[]>();
const pollConnector: ConnectorDefinition = {
  key: 'testpoll',
  label: { ru: 'Опрос', en: 'Poll' },
  auth: { fields: [] },
  actions: [],
  triggers: [
    {
      // Like RetailCRM's order.changed: the webhook names the order, prepare reads its state, the key is that state.
      id: 'changed', label: { ru: 'Изменение', en: 'Changed' }, delivery: 'webhook', fields: [],
      async prepare(_ctx, body) {
        const order = orders.get(String(body.id)) ?? {};
        return { payload: { id: body.id, ...order }, dedupeKey: `${String(body.id)}:${JSON.stringify(order)}` };
      },
    },
    {
      id: 'changes', label: { ru: 'Изменения', en: 'Changes' }, delivery: 'poll', fields: [],
      async poll(ctx, cursor) {
        const events = next.get(ctx.flowId) ?? [];
        next.delete(ctx.flowId);
        return { events, cursor: Number(cursor ?? 0) + 1 };
      },
    },
  ],
};

let app: TestApp;
before(async () => {
  app = await startTestApp({ connectors: new ConnectorRegistry([...builtinConnectors().list(), pollConnector]) });
});
after(() => app.close());

async function pollFlow(name: string): Promise<string> {
  const flow = await app.api('/api/v1/flows', {
    body: { name, enabled: true, trigger: { connector: 'testpoll', event: 'changes' }, steps: [{ id: 'v', type: 'set', values: { id: '{{trigger.id}}' } }] },
  });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  return flow.json.id;
}

async function executions(flowId: string): Promise<Array<{ id: string; status: string; origin: string }>> {
  return (await app.api(`/api/v1/executions?flowId=${flowId}&limit=100`)).json.items;
}

const settled = (flowId: string, count: number) =>
  waitFor(async () => {
    const items = await executions(flowId);
    return items.length === count && items.every((e) => e.status === 'succeeded') ? items : undefined;
  }, 15_000, `${count} finished executions`);

test('the same event polled twice (in one poll and in the next) starts one execution', async () => {
  const flowId = await pollFlow('dedupe-same');
  const event = { payload: { id: 1 }, dedupeKey: 'order-1:v1' };
  next.set(flowId, [event, event]);
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 1);
  next.set(flowId, [event]);
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 0);
  const items = await settled(flowId, 1);
  assert.equal(items[0].origin, 'poll');
  // The cursor still moved on: the second poll's commit stored it though it created nothing.
  assert.equal((await app.services.store.getTriggerCursor(flowId))?.cursor, 2);
});

test('events with different keys start one execution each; the key is per flow', async () => {
  const flowId = await pollFlow('dedupe-different');
  const other = await pollFlow('dedupe-other-flow');
  next.set(flowId, [{ payload: { id: 1 }, dedupeKey: 'order-1:v1' }, { payload: { id: 1 }, dedupeKey: 'order-1:v2' }, { payload: { id: 2 } }]);
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 3);
  // Events without a key are never deduplicated.
  next.set(flowId, [{ payload: { id: 2 } }]);
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 1);
  next.set(other, [{ payload: { id: 1 }, dedupeKey: 'order-1:v1' }]);
  assert.equal(await app.scheduler.fire(app.workspaceId, other), 1);
  await settled(flowId, 4);
  await settled(other, 1);
});

test('a run of a deduplicated event without a key (replay, manual) still runs', async () => {
  const flowId = await pollFlow('dedupe-replay');
  next.set(flowId, [{ payload: { id: 5 }, dedupeKey: 'order-5:v1' }]);
  assert.equal(await app.scheduler.fire(app.workspaceId, flowId), 1);
  const [first] = await settled(flowId, 1);
  const flow = (await app.services.store.getFlow(app.workspaceId, flowId))!;
  const now = Date.now();
  const id = newId('ex', now);
  await app.services.store.createExecution({ id, workspaceId: app.workspaceId, flowId, flowVersion: flow.version, webhookId: null, origin: 'manual', trigger: { id: 5 }, nextRunAt: now });
  await app.services.queue!.push([{ executionId: id }]);
  const items = await settled(flowId, 2);
  assert.deepEqual(new Set(items.map((e) => e.id)), new Set([first.id, id]));
});

async function hookFlow(name: string, trigger: { connector: string; event: string }): Promise<{ id: string; url: string }> {
  const flow = await app.api('/api/v1/flows', { body: { name, enabled: true, trigger, steps: [{ id: 'v', type: 'set', values: { id: '{{trigger.id}}' } }] } });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  // The URL the flow names uses the public address; the test server listens on its own port.
  return { id: flow.json.id, url: `${app.url}${new URL(flow.json.webhookUrl).pathname}` };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

test('a webhook sent again with the same Idempotency-Key starts no second execution; without one, every delivery runs', async () => {
  const { id: flowId, url } = await hookFlow('dedupe-hook-header', { connector: 'webhook', event: 'incoming' });
  for (let i = 0; i < 2; i++) assert.equal((await post(url, { id: 1 }, { 'idempotency-key': 'delivery-1' })).status, 200);
  assert.equal((await post(url, { id: 2 }, { 'idempotency-key': 'delivery-2' })).status, 200);
  for (let i = 0; i < 2; i++) assert.equal((await post(url, { id: 3 })).status, 200);
  await settled(flowId, 4);
  // Every delivery is in the history, the repeat included.
  const hooks = await app.api(`/api/v1/webhooks?flowId=${flowId}&limit=10`);
  assert.equal(hooks.json.items.length, 5);
});

test('a redelivered webhook whose prepared event is the same stops before any step; a real change runs; a replay is exempt', async () => {
  const { id: flowId, url } = await hookFlow('dedupe-hook-prepare', { connector: 'testpoll', event: 'changed' });
  orders.set('7', { status: 'new' });
  assert.equal((await post(url, { id: 7 })).status, 200);
  await settled(flowId, 1);
  assert.equal((await post(url, { id: 7 })).status, 200);
  const repeat = await waitFor(async () => {
    const items = await executions(flowId);
    return items.length === 2 && items.every((e) => e.status !== 'queued' && e.status !== 'running') ? items : undefined;
  }, 15_000, 'the repeat to finish');
  const stopped = repeat.find((e) => e.status === 'stopped');
  assert.ok(stopped, JSON.stringify(repeat));
  const detail = (await app.api(`/api/v1/executions/${stopped.id}`)).json;
  assert.match(detail.error, /Повтор события.*A repeat of an event/);
  assert.equal(detail.steps.filter((s: { stepId: string }) => s.stepId === 'v').length, 0, 'no step ran');

  orders.set('7', { status: 'complete' });
  assert.equal((await post(url, { id: 7 })).status, 200);
  await waitFor(async () => ((await executions(flowId)).filter((e) => e.status === 'succeeded').length === 2 ? true : undefined), 15_000, 'the change to run');

  const hookId = (await app.api(`/api/v1/webhooks?flowId=${flowId}&limit=10`)).json.items.at(-1).id;
  const replay = await app.api(`/api/v1/webhooks/${hookId}/replay`, { method: 'POST' });
  assert.equal(replay.status, 201, JSON.stringify(replay.json));
  await waitFor(async () => ((await executions(flowId)).filter((e) => e.status === 'succeeded').length === 3 ? true : undefined), 15_000, 'the replay to run');
});
