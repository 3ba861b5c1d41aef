// Managing connections from the UI: each lists the flows that name it; a rename rewrites those
// flows (new versions, still running); credentials change without re-entering stored secrets;
// a connection in use cannot be deleted and the refusal names the flows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoTarget, type EchoTarget } from '../../src/connectors/http/echo-target.ts';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';

let app: TestApp;
let echo: EchoTarget;
before(async () => {
  app = await startTestApp();
  echo = await startEchoTarget();
});
after(async () => {
  await app.close();
  await echo.close();
});

const call = (connection: string, id: string) => ({ id, type: 'action', connector: 'http', action: 'request', connection, input: { url: `/${id}` } });
const flow = (name: string, steps: unknown[], enabled = false) => ({ name, enabled, trigger: { connector: 'webhook', event: 'incoming' }, steps });

async function created(path: string, body: unknown) {
  const res = await app.api(path, { body });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json;
}

/** Sends a webhook to the flow and waits for its execution to finish. */
async function run(webhookUrl: string) {
  const res = await fetch(webhookUrl.replace(app.services.config.publicUrl, app.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
  const { id } = (await res.json()) as { id: string };
  return waitFor(async () => {
    const e = (await app.api(`/api/v1/executions?webhookId=${id}`)).json.items?.[0];
    return e && !['queued', 'running', 'retrying'].includes(e.status) ? e : undefined;
  }, 60_000, 'the execution');
}

test('usedBy, rename through the flows, credentials kept or changed, delete refused while used', async () => {
  const conn = await created('/api/v1/connections', { name: 'echo', connector: 'http', auth: { baseUrl: echo.baseUrl, headerName: 'Authorization', headerValue: 'Bearer first-secret' } });
  assert.deepEqual(conn.usedBy, []);
  const other = await created('/api/v1/connections', { name: 'spare', connector: 'http', auth: { baseUrl: echo.baseUrl } });
  const orders = await created('/api/v1/flows', flow('Заказы', [call('echo', 'orders')], true));
  const leads = await created('/api/v1/flows', flow('Лиды', [{ id: 'v', type: 'set', values: { a: '{{trigger.n}}' } }, call('spare', 'first'), call('echo', 'leads')]));
  const unrelated = await created('/api/v1/flows', flow('Прочее', [call('spare', 'x')]));

  const list = await app.api('/api/v1/connections');
  const byName = Object.fromEntries(list.json.items.map((c: { name: string; usedBy: unknown }) => [c.name, c.usedBy]));
  assert.deepEqual(byName, {
    echo: [{ id: orders.id, name: 'Заказы' }, { id: leads.id, name: 'Лиды' }],
    spare: [{ id: leads.id, name: 'Лиды' }, { id: unrelated.id, name: 'Прочее' }],
  });
  assert.deepEqual((await app.api(`/api/v1/connections/${conn.id}`)).json.usedBy.length, 2);

  // Delete is refused while used, naming the flows.
  const refused = await app.api(`/api/v1/connections/${conn.id}`, { method: 'DELETE' });
  assert.equal(refused.status, 409);
  assert.equal(refused.json.error, 'conflict');
  assert.deepEqual(refused.json.flows, [{ id: orders.id, name: 'Заказы' }, { id: leads.id, name: 'Лиды' }]);
  assert.match(refused.json.message, /^Подключение используется в связках: «Заказы», «Лиды» \/ Used by flows: «Заказы», «Лиды»$/);

  // Credentials: an empty or absent secret keeps the stored one; other fields change.
  const kept = await app.api(`/api/v1/connections/${conn.id}`, { method: 'PATCH', body: { auth: { headerName: 'X-Api-Key', headerValue: '' } } });
  assert.equal(kept.status, 200, JSON.stringify(kept.json));
  assert.deepEqual(kept.json.config, { baseUrl: echo.baseUrl, headerName: 'X-Api-Key' });
  assert.ok(!JSON.stringify(kept.json).includes('first-secret'));
  assert.equal((await run(orders.webhookUrl)).status, 'succeeded');
  assert.equal(echo.received().at(-1)!.headers['x-api-key'], 'Bearer first-secret', 'the stored secret was kept');
  await app.api(`/api/v1/connections/${conn.id}`, { method: 'PATCH', body: { auth: { headerValue: 'Bearer second-secret' } } });
  await run(orders.webhookUrl);
  assert.equal(echo.received().at(-1)!.headers['x-api-key'], 'Bearer second-secret');

  // Rename: every flow naming it is saved with the new name as a new version and still runs.
  const renamed = await app.api(`/api/v1/connections/${conn.id}`, { method: 'PATCH', body: { name: 'echo-main' } });
  assert.equal(renamed.status, 200, JSON.stringify(renamed.json));
  assert.equal(renamed.json.name, 'echo-main');
  assert.equal(renamed.json.id, conn.id);
  const ordersNow = (await app.api(`/api/v1/flows/${orders.id}`)).json;
  const leadsNow = (await app.api(`/api/v1/flows/${leads.id}`)).json;
  assert.deepEqual([ordersNow.version, ordersNow.definition.steps[0].connection, ordersNow.enabled], [orders.version + 1, 'echo-main', true]);
  assert.deepEqual(leadsNow.definition.steps.map((s: { connection?: string }) => s.connection), [undefined, 'spare', 'echo-main']);
  assert.equal(leadsNow.version, leads.version + 1);
  assert.equal((await app.api(`/api/v1/flows/${unrelated.id}`)).json.version, unrelated.version, 'flows not naming it are untouched');
  assert.equal(ordersNow.webhookUrl, orders.webhookUrl);
  const afterRename = await run(orders.webhookUrl);
  assert.equal(afterRename.status, 'succeeded', JSON.stringify(afterRename));
  assert.equal(echo.received().at(-1)!.headers['x-api-key'], 'Bearer second-secret', 'the credentials moved with the name');
  assert.deepEqual((await app.api('/api/v1/connections')).json.items.find((c: { id: string }) => c.id === conn.id).usedBy.length, 2);

  // Renaming onto another connection's name is refused on the name field; nothing changes.
  const clash = await app.api(`/api/v1/connections/${conn.id}`, { method: 'PATCH', body: { name: 'spare' } });
  assert.equal(clash.status, 400);
  assert.equal(clash.json.field, 'name');
  assert.equal((await app.api(`/api/v1/flows/${orders.id}`)).json.definition.steps[0].connection, 'echo-main');
  // Unknown auth fields are refused as on create.
  const unknown = await app.api(`/api/v1/connections/${conn.id}`, { method: 'PATCH', body: { auth: { password: 'x' } } });
  assert.deepEqual([unknown.status, unknown.json.field], [400, 'auth.password']);
  // A viewer may not change it.
  const viewer = await app.createToken('default', 'viewer');
  assert.equal((await app.api(`/api/v1/connections/${conn.id}`, { method: 'PATCH', token: viewer, body: { name: 'x' } })).status, 403);

  // Once no flow names it, it can go.
  await app.api(`/api/v1/flows/${orders.id}`, { method: 'DELETE' });
  await app.api(`/api/v1/flows/${leads.id}`, { method: 'DELETE' });
  assert.equal((await app.api(`/api/v1/connections/${conn.id}`, { method: 'DELETE' })).status, 200);
  assert.equal((await app.api(`/api/v1/connections/${conn.id}`)).status, 404);
  assert.equal((await app.api(`/api/v1/connections/${other.id}`, { method: 'DELETE' })).status, 409);
});

test("a trigger's connection counts as a use and is renamed too", async () => {
  const crm = await created('/api/v1/connections', { name: 'crm', connector: 'retailcrm', auth: { url: 'https://shop.retailcrm.ru', apiKey: 'crm-key' } });
  const polled = await created('/api/v1/flows', {
    name: 'Заказы из CRM',
    trigger: { connector: 'retailcrm', event: 'order.changed', connection: 'crm', options: { delivery: 'poll' } },
    steps: [{ id: 'v', type: 'set', values: { a: '1' } }],
  });
  assert.deepEqual((await app.api(`/api/v1/connections/${crm.id}`)).json.usedBy, [{ id: polled.id, name: 'Заказы из CRM' }]);
  const renamed = await app.api(`/api/v1/connections/${crm.id}`, { method: 'PATCH', body: { name: 'crm-main', auth: { apiKey: '', site: 'main' } } });
  assert.equal(renamed.status, 200, JSON.stringify(renamed.json));
  assert.deepEqual(renamed.json.config, { url: 'https://shop.retailcrm.ru', site: 'main' });
  assert.equal((await app.api(`/api/v1/flows/${polled.id}`)).json.definition.trigger.connection, 'crm-main');
  const row = (await app.services.store.getConnection(app.workspaceId, crm.id))!;
  assert.equal(app.services.connections.openRow(row).auth.apiKey, 'crm-key', 'an empty secret keeps the stored key');
  // A required field emptied is refused and changes nothing.
  const emptied = await app.api(`/api/v1/connections/${crm.id}`, { method: 'PATCH', body: { auth: { url: '' } } });
  assert.deepEqual([emptied.status, emptied.json.field], [400, 'auth.url']);
  assert.equal((await app.api(`/api/v1/connections/${crm.id}`)).json.config.url, 'https://shop.retailcrm.ru');
});

test('a connection says which secret fields hold a value, never the value', async () => {
  const bare = await created('/api/v1/connections', { name: 'no-secret', connector: 'http', auth: { baseUrl: echo.baseUrl } });
  assert.deepEqual(bare.secretsSet, []);
  const patched = (await app.api(`/api/v1/connections/${bare.id}`, { method: 'PATCH', body: { auth: { headerName: 'X-Key', headerValue: 'top-secret-1' } } })).json;
  assert.deepEqual(patched.secretsSet, ['headerValue']);
  const listed = (await app.api('/api/v1/connections')).json.items.find((c: { id: string }) => c.id === bare.id);
  assert.deepEqual(listed.secretsSet, ['headerValue']);
  assert.equal(JSON.stringify(listed).includes('top-secret-1'), false);
});
