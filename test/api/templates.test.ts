// GET /api/v1/templates: the recipes of examples/ for the gallery — each with its names, the
// connections it names (with their connectors) and its flow, switched off; readable by a viewer;
// in the OpenAPI document like every route.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RECIPES } from '../../src/recipes/catalog.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app?.close();
});

test('every flow recipe is a template: names, connections with connectors, the file, the flow switched off', async () => {
  const viewer = await app.createToken('default', 'viewer');
  const res = await app.api('/api/v1/templates', { token: viewer });
  assert.equal(res.status, 200);
  const items = res.json.items as Array<{ id: string; name: { ru: string; en: string }; connections: Array<{ name: string; placeholder: string; connector: string }>; connectors: string[]; file: string; flow: Record<string, any> }>;
  assert.deepEqual(items.map((t) => t.id), RECIPES.filter((r) => r.file).map((r) => r.id));
  for (const t of items) {
    const file = JSON.parse(readFileSync(new URL(`../../${t.file}`, import.meta.url), 'utf8'));
    assert.deepEqual(t.flow, { ...file, enabled: false }, t.id);
    assert.equal(t.connectors[0], file.trigger.connector);
    const named = new Set([file.trigger.connection, ...file.steps.map((s: { connection?: string }) => s.connection)].filter(Boolean));
    assert.deepEqual(new Set(t.connections.map((c) => c.name)), named, t.id);
    for (const c of t.connections) assert.equal(c.placeholder, c.name);
  }
  const retailcrmNote = items.find((t) => t.id === 'retailcrm-order-note-http')!;
  assert.deepEqual(retailcrmNote.connections, [{ name: 'retailcrm', placeholder: 'retailcrm', connector: 'retailcrm' }, { name: 'echo', placeholder: 'echo', connector: 'http' }]);
});

test('without the connections it names a template is refused at save, naming them; with them it saves', async () => {
  const t = (await app.api('/api/v1/templates')).json.items.find((x: { id: string }) => x.id === 'retailcrm-complete-to-calltouch');
  const refused = await app.api('/api/v1/flows', { body: t.flow });
  assert.equal(refused.status, 422);
  assert.match(JSON.stringify(refused.json), /retailcrm/);
  await app.api('/api/v1/connections', { body: { name: 'retailcrm', connector: 'retailcrm', auth: { url: 'https://demo.retailcrm.ru', apiKey: 'k' } } });
  await app.api('/api/v1/connections', { body: { name: 'calltouch', connector: 'calltouch', auth: { siteId: '1', clientApiId: 'x', accessToken: 'y', nodeHost: 'https://api.calltouch.ru' } } });
  const saved = await app.api('/api/v1/flows', { body: t.flow });
  assert.equal(saved.status, 201, JSON.stringify(saved.json));
  assert.equal(saved.json.enabled, false);
});

test('the OpenAPI document lists it', async () => {
  const doc = await app.api('/api/v1/openapi.json');
  assert.equal(doc.status, 200);
  assert.ok(doc.json.paths['/api/v1/templates']?.get, 'GET /api/v1/templates');
});
