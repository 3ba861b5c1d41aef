// A trigger event's dedupeKey is unique per flow: a poll that sees an event twice starts one
// execution; different keys start one each; a manual run of the same event (no key) still runs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorRegistry } from '../../src/connector-kit/registry.ts';
import { builtinConnectors } from '../../src/connectors/index.ts';
import type { ConnectorDefinition, TriggerEvent } from '../../src/connector-kit/types.ts';
import { newId } from '../../src/lib/ids.ts';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';

/** What the next poll returns, per flow id. */
const next = new Map<string, TriggerEvent[]>();
const pollConnector: ConnectorDefinition = {
  key: 'testpoll',
  label: { ru: 'Опрос', en: 'Poll' },
  auth: { fields: [] },
  actions: [],
  triggers: [
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
