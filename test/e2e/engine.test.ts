// Engine semantics through a running app, with a test connector registered the way any
// connector is (the engine knows it only through its definition).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorRegistry } from '../../src/connector-kit/registry.ts';
import { builtinConnectors } from '../../src/connectors/index.ts';
import { NotFoundError, TransientError } from '../../src/connector-kit/errors.ts';
import type { ConnectorDefinition } from '../../src/connector-kit/types.ts';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';

const calls: Array<{ action: string; key: string; input: Record<string, unknown> }> = [];
const testConnector: ConnectorDefinition = {
  key: 'testsvc',
  label: { ru: 'Тест', en: 'Test' },
  auth: { fields: [{ id: 'apiKey', label: 'Ключ', required: true, secret: true }] },
  triggers: [],
  actions: [
    {
      id: 'thing.find', label: { ru: 'Найти', en: 'Find' }, kind: 'find',
      input: [{ id: 'q', label: 'Запрос', required: true }], output: [{ id: 'id', label: 'ID' }],
      async run(ctx, input) {
        calls.push({ action: 'find', key: ctx.idempotencyKey, input });
        if (ctx.auth.apiKey !== 'k') throw new Error('bad key reached the action');
        if (input.q === 'missing') throw new NotFoundError('No thing matches "missing"');
        return { id: 7 };
      },
    },
    {
      id: 'thing.flaky', label: { ru: 'Всегда сбой', en: 'Always failing' }, kind: 'create', input: [], output: [],
      async run(ctx, input) {
        calls.push({ action: 'flaky', key: ctx.idempotencyKey, input });
        throw new TransientError('Service busy', { retryAfterMs: 10 });
      },
    },
    {
      id: 'thing.bug', label: { ru: 'Ошибка', en: 'Bug' }, kind: 'read', input: [], output: [],
      async run() {
        throw new TypeError("Cannot read properties of undefined (reading 'x')");
      },
    },
  ],
};

let app: TestApp;
before(async () => {
  app = await startTestApp({ connectors: new ConnectorRegistry([...builtinConnectors().list(), testConnector]) });
  const conn = await app.api('/api/v1/connections', { body: { name: 't', connector: 'testsvc', auth: { apiKey: 'k' } } });
  assert.equal(conn.status, 201);
});
after(() => app.close());

async function run(name: string, steps: object[], body: object = {}) {
  const flow = await app.api('/api/v1/flows', { body: { name, enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps } });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  const res = await fetch(flow.json.webhookUrl.replace(app.services.config.publicUrl, app.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const { id } = (await res.json()) as { id: string };
  return waitFor(async () => {
    const item = (await app.api(`/api/v1/executions?webhookId=${id}`)).json.items[0];
    if (!item || ['queued', 'running', 'retrying', 'waiting'].includes(item.status)) return undefined;
    return (await app.api(`/api/v1/executions/${item.id}`)).json;
  });
}

const find = (q: string, onNotFound?: string) => ({ id: 'found', type: 'action', connector: 'testsvc', action: 'thing.find', connection: 't', input: { q }, ...(onNotFound ? { onNotFound } : {}) });
const after_ = { id: 'next', type: 'set', values: { id: '{{steps.found.id | default: "none"}}' } };

test('onNotFound: stop (default), continue, fail', async () => {
  const stopped = await run('nf-stop', [find('missing'), after_]);
  assert.equal(stopped.status, 'stopped');
  assert.deepEqual(stopped.steps.map((s: { status: string }) => s.status), ['not_found']);
  const continued = await run('nf-continue', [find('missing', 'continue'), after_]);
  assert.equal(continued.status, 'succeeded');
  assert.deepEqual(continued.steps[1].output, { id: 'none' });
  const failed = await run('nf-fail', [find('missing', 'fail'), after_]);
  assert.equal(failed.status, 'failed');
  assert.match(failed.error, /No thing matches "missing"/);
  const found = await run('found', [find('{{trigger.q}}'), after_], { q: 'present' });
  assert.equal(found.status, 'succeeded');
  assert.deepEqual(found.steps[1].output, { id: 7 });
  assert.equal(calls.at(-1)!.input.q, 'present');
});

test('transient failures give up after maxAttempts with a visible error; keys are stable', async () => {
  const before_ = calls.length;
  const ex = await run('flaky', [{ id: 'f', type: 'action', connector: 'testsvc', action: 'thing.flaky', connection: 't', input: {}, retry: { maxAttempts: 3, baseDelayMs: 10 } }]);
  assert.equal(ex.status, 'failed');
  assert.match(ex.error, /Service busy \(gave up after 3 attempts\)/);
  const mine = calls.slice(before_);
  assert.equal(mine.length, 3);
  assert.equal(new Set(mine.map((c) => c.key)).size, 1);
});

test('an unexpected exception in a connector fails the step with its message; the server goes on', async () => {
  const ex = await run('bug', [{ id: 'b', type: 'action', connector: 'testsvc', action: 'thing.bug', connection: 't', input: {} }]);
  assert.equal(ex.status, 'failed');
  assert.match(ex.error, /Cannot read properties/);
  assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
});

test('a missing connection is refused at save; an unnamed one and a template error fail clearly at run time', async () => {
  const noConn = await app.api('/api/v1/flows', {
    body: { name: 'no-conn', enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'x', type: 'action', connector: 'testsvc', action: 'thing.find', connection: 'nope', input: { q: 'a' } }] },
  });
  assert.equal(noConn.status, 422);
  assert.equal(noConn.json.issues[0].path, 'steps[0] (x).connection');
  assert.match(noConn.json.issues[0].message, /no connection named "nope" \/ подключения «nope» нет/);
  const unnamed = await run('unnamed-conn', [{ id: 'x', type: 'action', connector: 'testsvc', action: 'thing.find', input: { q: 'a' } }]);
  assert.match(unnamed.error, /needs a "testsvc" connection/);
  const badNumber = await run('bad-number', [{ id: 'v', type: 'set', values: { n: '{{trigger.n | number}}' } }], { n: 'twelve' });
  assert.equal(badNumber.status, 'failed');
  assert.equal(badNumber.errorStep, 'v');
  assert.match(badNumber.error, /"twelve" is not a number/);
});

test('delay until a past date goes straight on; filter any-of', async () => {
  const ex = await run('until', [
    { id: 'w', type: 'delay', until: '{{trigger.at}}' },
    { id: 'f', type: 'filter', any: [{ left: '{{trigger.a}}', op: 'eq', right: 1 }, { left: '{{trigger.b}}', op: 'exists' }] },
  ], { at: '2020-01-01T00:00:00Z', b: 'x' });
  assert.equal(ex.status, 'succeeded');
  assert.equal(ex.steps[1].status, 'passed');
});

test('a schedule trigger fires executions with its payload', async () => {
  const flow = await app.api('/api/v1/flows', { body: { name: 'cron', enabled: true, trigger: { connector: 'schedule', event: 'cron', options: { cron: '0 0 1 1 *', timezone: 'Europe/Moscow' } }, steps: [{ id: 'v', type: 'set', values: { d: '{{trigger.date}}' } }] } });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  assert.equal(flow.json.webhookUrl, null);
  const { scheduler } = app;
  assert.equal(await scheduler.fire(app.workspaceId, flow.json.id), 1);
  const ex = await waitFor(async () => {
    const item = (await app.api(`/api/v1/executions?flowId=${flow.json.id}`)).json.items[0];
    return item?.status === 'succeeded' ? (await app.api(`/api/v1/executions/${item.id}`)).json : undefined;
  });
  assert.equal(ex.origin, 'schedule');
  assert.match(ex.steps[0].output.d, /^\d{4}-\d{2}-\d{2}$/);
});

test('cancel: a waiting execution is cancelled for good; it never resumes, and cancelling twice is refused', async () => {
  const flow = await app.api('/api/v1/flows', { body: { name: 'cancel', enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'w', type: 'delay', seconds: 1 }, find('x')] } });
  const res = await fetch(flow.json.webhookUrl.replace(app.services.config.publicUrl, app.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const { id } = (await res.json()) as { id: string };
  const ex = await waitFor(async () => {
    const item = (await app.api(`/api/v1/executions?webhookId=${id}`)).json.items[0];
    return item?.status === 'waiting' ? item : undefined;
  });
  const cancelled = await app.api(`/api/v1/executions/${ex.id}/cancel`, { method: 'POST' });
  assert.equal(cancelled.json.status, 'cancelled');
  // A second webhook to the same flow, sent after the cancel, waits out the same delay: once it has
  // finished, the cancelled one's resume time has long passed too (no fixed sleep to outlast).
  const sentinel = await fetch(flow.json.webhookUrl.replace(app.services.config.publicUrl, app.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const sentinelHook = ((await sentinel.json()) as { id: string }).id;
  const done = await waitFor(async () => {
    const item = (await app.api(`/api/v1/executions?webhookId=${sentinelHook}`)).json.items[0];
    return item && ['succeeded', 'failed', 'filtered', 'stopped', 'cancelled'].includes(item.status) ? item : undefined;
  }, 120_000, 'the second execution to resume after its delay and finish');
  assert.ok(calls.some((c) => c.key.startsWith(`svz-${done.id}-`)), 'the second execution ran its action after the delay');
  const after_ = (await app.api(`/api/v1/executions/${ex.id}`)).json;
  assert.equal(after_.status, 'cancelled');
  assert.ok(!calls.some((c) => c.key.startsWith(`svz-${ex.id}-`)), 'the cancelled execution\'s action after the delay never ran');
  assert.equal((await app.api(`/api/v1/executions/${ex.id}/cancel`, { method: 'POST' })).status, 409);
});
