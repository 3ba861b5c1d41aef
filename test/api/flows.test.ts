// The REST API around flows: validation at save time with step id and field, import/export,
// enable/disable, catalog, OpenAPI, health.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.ts';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.close());

const base = { name: 'v', trigger: { connector: 'webhook', event: 'incoming' } };

test('invalid flows are refused with the step id and field of each problem', async () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ ...base, steps: [{ id: 'a', type: 'teleport' }] }, /steps\[0\] \(a\)/],
    [{ ...base, steps: [{ id: 'x', type: 'action', connector: 'http', action: 'request', input: { url: '{{steps.later.id}}' } }, { id: 'later', type: 'set', values: {} }] }, /steps\[0\] \(x\)\.input\.url.*unknown step id/],
    [{ ...base, steps: [{ id: 's', type: 'set', values: { v: '{{trigger.a | nosuchfilter}}' } }] }, /steps\[0\] \(s\)\.values\.v.*filter/],
    [{ ...base, steps: [{ id: 's', type: 'set', values: { v: '{{trigger.a' } }] }, /steps\[0\] \(s\)\.values\.v/],
    [{ ...base, steps: [{ id: 'f', type: 'filter', all: [{ left: '{{trigger.a}}', op: 'regex', right: '(a+)+$' }] }] }, /steps\[0\] \(f\)\.all\[0\]/],
    [{ ...base, steps: [{ id: 'f', type: 'filter', all: [{ left: '{{trigger.a}}', op: 'nearly' }] }] }, /steps\[0\] \(f\)\.all\[0\]\.op/],
    [{ ...base, steps: [{ id: 'h', type: 'action', connector: 'http', action: 'request', input: {} }] }, /steps\[0\] \(h\)\.input\.url.*required/],
    [{ ...base, steps: [{ id: 'h', type: 'action', connector: 'nope', action: 'x', input: {} }] }, /unknown connector "nope"/],
    [{ ...base, steps: [{ id: 'd', type: 'set', values: {} }, { id: 'd', type: 'set', values: {} }] }, /duplicate step id "d"/],
    [{ ...base, trigger: { connector: 'webhook', event: 'nope' } }, /trigger\.event/],
    [{ ...base, trigger: { connector: 'retailcrm', event: 'order.changed', options: { delivery: 'pigeon' } } }, /trigger\.options\.delivery: event "order\.changed" is not delivered by "pigeon" \(modes: webhook, poll\)/],
    [{ ...base, trigger: { connector: 'schedule', event: 'cron', options: { cron: 'every tuesday' } } }, /trigger\.options/],
    [{ name: '', trigger: base.trigger }, /name/],
    ['not an object', /flow/],
  ];
  for (const [flow, message] of cases) {
    const res = await app.api('/api/v1/flows', { body: flow });
    assert.equal(res.status, 422, JSON.stringify(res.json));
    assert.equal(res.json.error, 'invalid_flow');
    assert.match(res.json.message, message);
    assert.ok(Array.isArray(res.json.issues) && res.json.issues.length > 0);
  }
  assert.equal((await app.api('/api/v1/flows')).json.items.length, 0, 'nothing was saved');
});

test('import (JSON and YAML) creates or updates by name; export round-trips; enable/disable', async () => {
  const yaml = `name: Импорт YAML\nenabled: true\ntrigger:\n  connector: webhook\n  event: incoming\nsteps:\n  - id: v\n    type: set\n    values:\n      a: "{{trigger.a}}"\n`;
  const first = await app.api('/api/v1/flows/import', { body: { text: yaml } });
  assert.equal(first.status, 201, JSON.stringify(first.json));
  assert.equal(first.json.version, 1);
  assert.ok(first.json.webhookUrl);
  const again = await app.api('/api/v1/flows/import', { body: { text: yaml.replace('{{trigger.a}}', '{{trigger.b}}') } });
  assert.equal(again.json.id, first.json.id, 'same name → same flow');
  assert.equal(again.json.version, 2);
  assert.equal(again.json.webhookUrl, first.json.webhookUrl, 'the webhook URL survives edits');

  const exported = await app.api(`/api/v1/flows/${first.json.id}/export`);
  assert.equal(exported.json.name, 'Импорт YAML');
  const reimported = await app.api('/api/v1/flows', { body: exported.json });
  assert.equal(reimported.json.id, first.json.id);
  assert.equal(reimported.json.version, 2, 'identical definition does not bump the version');

  const off = await app.api(`/api/v1/flows/${first.json.id}/disable`, { method: 'POST' });
  assert.equal(off.json.enabled, false);
  assert.equal((await app.api(`/api/v1/flows/${first.json.id}/export`)).json.enabled, false);
  const on = await app.api(`/api/v1/flows/${first.json.id}/enable`, { method: 'POST' });
  assert.equal(on.json.enabled, true);

  const bad = await app.api('/api/v1/flows/import', { body: { text: 'name: [unclosed' } });
  assert.equal(bad.status, 422);
  assert.match(bad.json.message, /JSON or YAML/);
});

test('one event, two delivery modes: the flow picks one; only the webhook mode gets a URL', async () => {
  const catalog = (await app.api('/api/v1/catalog/retailcrm')).json;
  const changed = catalog.events.filter((e: { id: string }) => e.id === 'order.changed');
  assert.equal(changed.length, 1, 'listed once');
  assert.deepEqual(changed[0].deliveries, ['webhook', 'poll']);
  assert.ok(changed[0].options.some((o: { id: string }) => o.id === 'delivery'));
  await app.api('/api/v1/connections', { body: { name: 'crm-modes', connector: 'retailcrm', auth: { url: 'http://127.0.0.1:1', apiKey: 'k' } } });
  const trigger = (options: object) => ({ connector: 'retailcrm', event: 'order.changed', connection: 'crm-modes', options });
  const hooked = await app.api('/api/v1/flows', { body: { ...base, name: 'crm-webhook', trigger: trigger({}), steps: [] } });
  assert.equal(hooked.status, 201, JSON.stringify(hooked.json));
  assert.ok(hooked.json.webhookUrl);
  assert.match(hooked.json.setupInstructions, /Заказ изменён/);
  const polled = await app.api('/api/v1/flows', { body: { ...base, name: 'crm-poll', trigger: trigger({ delivery: 'poll', intervalSeconds: 3600 }), steps: [] } });
  assert.equal(polled.status, 201, JSON.stringify(polled.json));
  assert.equal(polled.json.webhookUrl, null);
});

test('field picker: a sample webhook is flattened to dotted ids', async () => {
  const flow = await app.api('/api/v1/flows', { body: { ...base, name: 'picker', enabled: true, steps: [] } });
  await fetch(flow.json.webhookUrl.replace(app.services.config.publicUrl, app.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'order[customer][phones][0][number]=79001234567&order[id]=5',
  });
  const fields = await app.api(`/api/v1/flows/${flow.json.id}/fields`);
  assert.deepEqual(fields.json.sample.map((f: { id: string }) => f.id), ['order.customer.phones.0.number', 'order.id']);
});

test('connections: secrets are never returned; unknown fields and connectors are refused', async () => {
  const saved = await app.api('/api/v1/connections', { body: { name: 'c', connector: 'http', auth: { baseUrl: 'http://127.0.0.1:1', headerName: 'X-Key', headerValue: 'top-secret' } } });
  assert.equal(saved.status, 201);
  assert.deepEqual(saved.json.config, { baseUrl: 'http://127.0.0.1:1', headerName: 'X-Key' });
  const list = await app.api('/api/v1/connections');
  assert.equal(JSON.stringify(list.json).includes('top-secret'), false);
  const row = await app.services.store.getConnection(app.workspaceId, saved.json.id);
  assert.equal(row!.sealedAuth.includes('top-secret'), false, 'encrypted at rest');
  assert.equal((await app.api('/api/v1/connections', { body: { name: 'd', connector: 'http', auth: { password: 'x' } } })).status, 400);
  assert.equal((await app.api('/api/v1/connections', { body: { name: 'e', connector: 'nope', auth: {} } })).status, 400);
  const tested = await app.api(`/api/v1/connections/${saved.json.id}/test`, { method: 'POST' });
  assert.equal(tested.json.ok, false, 'nothing listens on port 1');
});

test('catalog, OpenAPI, health and metrics', async () => {
  const catalog = await app.api('/api/v1/catalog/http');
  assert.equal(catalog.json.connector, 'http');
  const request = catalog.json.actions.find((a: { id: string }) => a.id === 'request');
  assert.ok(request.input.some((f: { id: string; required: boolean }) => f.id === 'url' && f.required));
  assert.equal((await app.api('/api/v1/catalog/nope')).status, 404);
  const spec = await (await fetch(`${app.url}/api/v1/openapi.json`)).json() as { openapi: string; paths: Record<string, unknown> };
  assert.equal(spec.openapi, '3.1.0');
  for (const path of ['/api/v1/flows', '/api/v1/flows/{id}', '/api/v1/executions/{id}/retry', '/api/v1/webhooks/{id}/replay', '/api/v1/connections/{id}/test', '/api/v1/catalog/{connector}']) {
    assert.ok(spec.paths[path], path);
  }
  assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
  assert.equal((await fetch(`${app.url}/readyz`)).status, 200);
  const metrics = await (await fetch(`${app.url}/metrics`)).text();
  for (const name of ['svyazka_webhooks_accepted_total', 'svyazka_executions_total', 'svyazka_step_duration_seconds', 'svyazka_queue_depth']) {
    assert.match(metrics, new RegExp(name));
  }
});
