// /api/v1/collections over real HTTP on the suite's database: put/get/list by prefix with paging,
// delete, NDJSON export, roles (viewer reads, editor and owner write), one workspace never seeing
// another's records, the plan's limits refused with a bilingual message, and OpenAPI listing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, tempDataDir, type TestApp } from '../support/app.ts';

let app: TestApp;
let editor: string;
let viewer: string;
let otherOwner: string;
let plansFile: string;

before(async () => {
  plansFile = join(tempDataDir(), 'plans.json');
  writeFileSync(plansFile, JSON.stringify({
    trialPlan: 'tiny',
    plans: [{ id: 'tiny', label: 'Tiny', transactionsPerMonth: 1000000, ordersPerMonth: 1000, webhooksPerMonth: 1000000, historyDays: 30, webhooksPerSecond: 1000, marketplaceParsingDays: 30, storeRecords: 5, storeBytes: 2048 }],
  }));
  app = await startTestApp({ config: { plansFile } });
  editor = await app.createToken('default', 'editor');
  viewer = await app.createToken('default', 'viewer');
  otherOwner = await app.createToken('other', 'owner');
});
after(async () => {
  await app.close();
});

test('put, get, list by prefix with paging, delete; the collection list and usage', async () => {
  for (const key of ['100A', '100B', '101', '200']) {
    const res = await app.api(`/api/v1/collections/deals/records/${key}`, { method: 'PUT', token: editor, body: { value: { dealId: key } } });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(res.json.value, { dealId: key });
  }
  const got = await app.api('/api/v1/collections/deals/records/100A', { token: viewer });
  assert.equal(got.status, 200);
  assert.deepEqual(got.json.value, { dealId: '100A' });
  assert.equal(got.json.expiresAt, null);

  const first = await app.api('/api/v1/collections/deals/records?prefix=10&limit=2', { token: viewer });
  assert.deepEqual(first.json.items.map((r: { key: string }) => r.key), ['100A', '100B']);
  assert.equal(first.json.next, '100B');
  const second = await app.api(`/api/v1/collections/deals/records?prefix=10&limit=2&after=${first.json.next}`, { token: viewer });
  assert.deepEqual(second.json.items.map((r: { key: string }) => r.key), ['101']);
  assert.equal(second.json.next, null);

  const list = await app.api('/api/v1/collections', { token: viewer });
  assert.deepEqual(list.json.items, [{ name: 'deals', records: 4 }]);
  assert.equal(list.json.usage.records, 4);
  assert.deepEqual(list.json.limits, { records: 5, bytes: 2048 });

  assert.equal((await app.api('/api/v1/collections/deals/records/200', { method: 'DELETE', token: editor })).status, 200);
  assert.equal((await app.api('/api/v1/collections/deals/records/200', { token: viewer })).status, 404);
  assert.equal((await app.api('/api/v1/collections/deals/records/200', { method: 'DELETE', token: editor })).status, 404);
});

test('a key with slashes and Cyrillic travels URL-encoded', async () => {
  const key = encodeURIComponent('заказ/7 #1');
  assert.equal((await app.api(`/api/v1/collections/deals/records/${key}`, { method: 'PUT', token: editor, body: { value: 7, ttlSeconds: 3600 } })).status, 200);
  const got = await app.api(`/api/v1/collections/deals/records/${key}`, { token: viewer });
  assert.equal(got.json.key, 'заказ/7 #1');
  assert.ok(Date.parse(got.json.expiresAt) > Date.now());
  await app.api(`/api/v1/collections/deals/records/${key}`, { method: 'DELETE', token: editor });
});

test('export as NDJSON: one record per line, in key order', async () => {
  const res = await fetch(`${app.url}/api/v1/collections/deals/export`, { headers: { authorization: `Bearer ${viewer}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/);
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.key), ['100A', '100B', '101']);
  assert.deepEqual(lines[0].value, { dealId: '100A' });
});

test('roles: a viewer reads but cannot write; an editor and an owner write', async () => {
  const denied = await app.api('/api/v1/collections/deals/records/v1', { method: 'PUT', token: viewer, body: { value: 1 } });
  assert.equal(denied.status, 403);
  assert.equal((await app.api('/api/v1/collections/deals/records/100A', { method: 'DELETE', token: viewer })).status, 403);
  const owner = await app.api('/api/v1/collections/deals/records/o1', { method: 'PUT', body: { value: 1 } });
  assert.equal(owner.status, 200);
  await app.api('/api/v1/collections/deals/records/o1', { method: 'DELETE' });
  assert.equal((await app.api('/api/v1/collections', { token: 'nope' })).status, 401);
});

test('tenant isolation: another workspace sees none of these records and writes its own', async () => {
  assert.deepEqual((await app.api('/api/v1/collections', { token: otherOwner })).json.items, []);
  assert.equal((await app.api('/api/v1/collections/deals/records/100A', { token: otherOwner })).status, 404);
  assert.deepEqual((await app.api('/api/v1/collections/deals/records', { token: otherOwner })).json.items, []);
  const own = await app.api('/api/v1/collections/deals/records/100A', { method: 'PUT', token: otherOwner, body: { value: 'theirs' } });
  assert.equal(own.status, 200);
  assert.deepEqual((await app.api('/api/v1/collections/deals/records/100A', { token: viewer })).json.value, { dealId: '100A' });
  // Naming a workspace the token is not in is refused, not answered from it.
  const ws = (await app.services.store.getWorkspaceBySlug('other'))!.id;
  assert.equal((await app.api('/api/v1/collections/deals/records/100A', { token: viewer, headers: { 'x-workspace': ws } })).status, 404);
  const exported = await (await fetch(`${app.url}/api/v1/collections/deals/export`, { headers: { authorization: `Bearer ${otherOwner}` } })).text();
  assert.deepEqual(exported.trim().split('\n').map((l) => JSON.parse(l).value), ['theirs']);
});

test("the plan's limits: a write over them is refused with a bilingual message and nothing is stored", async () => {
  // 3 records here (100A, 100B, 101) of the plan's 5.
  assert.equal((await app.api('/api/v1/collections/lim/records/a', { method: 'PUT', token: editor, body: { value: 1 } })).status, 200);
  assert.equal((await app.api('/api/v1/collections/lim/records/b', { method: 'PUT', token: editor, body: { value: 1 } })).status, 200);
  const over = await app.api('/api/v1/collections/lim/records/c', { method: 'PUT', token: editor, body: { value: 1 } });
  assert.equal(over.status, 409, JSON.stringify(over.json));
  assert.match(over.json.message, /лимит тарифа — 5 записей/);
  assert.match(over.json.message, /limit of 5 records/);
  assert.equal((await app.api('/api/v1/collections/lim/records/c', { token: viewer })).status, 404);
  const bytes = await app.api('/api/v1/collections/lim/records/a', { method: 'PUT', token: editor, body: { value: 'x'.repeat(3000) } });
  assert.equal(bytes.status, 409);
  assert.match(bytes.json.message, /Data store: the plan's limit of 2 KB/);
  const huge = await app.api('/api/v1/collections/lim/records/a', { method: 'PUT', token: editor, body: { value: 'x'.repeat(70 * 1024) } });
  assert.equal(huge.status, 413);
  assert.equal((await app.api('/api/v1/collections/lim/records/a', { token: viewer })).json.value, 1);
});

test('bad names and bodies are 400; OpenAPI lists the routes', async () => {
  assert.equal((await app.api('/api/v1/collections/bad%20name/records/k', { token: viewer })).status, 400);
  assert.equal((await app.api('/api/v1/collections/deals/records/k', { method: 'PUT', token: editor, body: { ttlSeconds: 5 } })).status, 400);
  assert.equal((await app.api('/api/v1/collections/deals/records/k', { method: 'PUT', token: editor, body: { value: 1, ttlSeconds: 0 } })).status, 400);
  const doc = (await app.api('/api/v1/openapi.json')).json;
  assert.ok(doc.paths['/api/v1/collections/{name}/records/{key}'].put);
  assert.ok(doc.paths['/api/v1/collections/{name}/export'].get);
});
