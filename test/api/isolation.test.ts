// Tenant isolation: a token of workspace A gets 404 for every resource of workspace B on every
// endpoint, and B's records never show up in A's lists.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';

let app: TestApp;
let tokenA: string;
let tokenB: string;
const b: Record<string, string> = {};

before(async () => {
  app = await startTestApp();
  tokenA = await app.createToken('tenant-a');
  tokenB = await app.createToken('tenant-b');
  const conn = await app.api('/api/v1/connections', { token: tokenB, body: { name: 'b-conn', connector: 'http', auth: { baseUrl: 'http://127.0.0.1:9' } } });
  assert.equal(conn.status, 201);
  b.connection = conn.json.id;
  const flow = await app.api('/api/v1/flows', {
    token: tokenB,
    body: {
      name: 'b-flow',
      enabled: true,
      trigger: { connector: 'webhook', event: 'incoming' },
      steps: [{ id: 'call', type: 'action', connector: 'http', action: 'request', connection: 'b-conn', input: { url: '/x' } }],
    },
  });
  assert.equal(flow.status, 201);
  b.flow = flow.json.id;
  const hook = await fetch(flow.json.webhookUrl.replace(app.services.config.publicUrl, app.url), { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
  b.webhook = ((await hook.json()) as { id: string }).id;
  b.execution = await waitFor(async () => (await app.api(`/api/v1/executions?webhookId=${b.webhook}`, { token: tokenB })).json.items?.[0]?.id);
  // Newer record kinds, when this build has them: a secret variable and a pending invitation in B.
  const routes = app.server.apiRoutes().map((r) => `${r.method} ${r.url}`);
  if (routes.includes('PUT /api/v1/variables/:name')) {
    const v = await app.api('/api/v1/variables/B_ONLY_VAR', { method: 'PUT', token: tokenB, body: { value: 'b-only-value', secret: false } });
    assert.equal(v.status, 200, JSON.stringify(v.json));
    b.variableValue = 'b-only-value';
  }
  if (routes.includes('POST /api/v1/invitations')) {
    const inv = await app.api('/api/v1/invitations', { token: tokenB, body: { email: 'b-invitee@example.com', role: 'viewer' } });
    assert.ok(inv.status < 300, JSON.stringify(inv.json));
    b.invitation = inv.json.invitation.id;
    b.invitee = 'b-invitee@example.com';
  }
  // Same name in A must not collide with B's.
  const same = await app.api('/api/v1/connections', { token: tokenA, body: { name: 'b-conn', connector: 'http', auth: {} } });
  assert.equal(same.status, 201);
});

after(() => app.close());

test("every endpoint answers 404 for another workspace's resources", async () => {
  const flowBody = { name: 'x', trigger: { connector: 'webhook', event: 'incoming' }, steps: [] };
  const calls: Array<[string, string, unknown?]> = [
    ['GET', `/api/v1/connections/${b.connection}`],
    ['PUT', `/api/v1/connections/${b.connection}`, { name: 'b-conn', connector: 'http', auth: {} }],
    ['POST', `/api/v1/connections/${b.connection}/test`],
    ['DELETE', `/api/v1/connections/${b.connection}`],
    ['GET', `/api/v1/flows/${b.flow}`],
    ['GET', `/api/v1/flows/${b.flow}/export`],
    ['GET', `/api/v1/flows/${b.flow}/fields`],
    ['PUT', `/api/v1/flows/${b.flow}`, flowBody],
    ['POST', `/api/v1/flows/${b.flow}/enable`],
    ['POST', `/api/v1/flows/${b.flow}/disable`],
    ['DELETE', `/api/v1/flows/${b.flow}`],
    ['GET', `/api/v1/executions/${b.execution}`],
    ['POST', `/api/v1/executions/${b.execution}/retry`],
    ['POST', `/api/v1/executions/${b.execution}/cancel`],
    ['GET', `/api/v1/webhooks/${b.webhook}`],
    ['POST', `/api/v1/webhooks/${b.webhook}/replay`],
  ];
  if (b.invitation) calls.push(['DELETE', `/api/v1/invitations/${b.invitation}`]);
  if (b.variableValue) calls.push(['DELETE', '/api/v1/variables/B_ONLY_VAR']);
  for (const [method, path, body] of calls) {
    const res = await app.api(path, { method, body, token: tokenA });
    assert.equal(res.status, 404, `${method} ${path} → ${res.status} ${JSON.stringify(res.json)}`);
  }
  // Naming B's workspace explicitly does not help either.
  for (const ws of [(await app.services.store.getWorkspaceBySlug('tenant-b'))!.id, 'tenant-b']) {
    const res = await app.api('/api/v1/flows', { token: tokenA, headers: { 'x-workspace': ws } });
    assert.equal(res.status, 404);
  }
  // B's resources are all still there.
  for (const path of [`/api/v1/connections/${b.connection}`, `/api/v1/flows/${b.flow}`, `/api/v1/executions/${b.execution}`, `/api/v1/webhooks/${b.webhook}`]) {
    assert.equal((await app.api(path, { token: tokenB })).status, 200, path);
  }
  if (b.variableValue) assert.ok(JSON.stringify((await app.api('/api/v1/variables', { token: tokenB })).json).includes('B_ONLY_VAR'));
  if (b.invitation) assert.ok(JSON.stringify((await app.api('/api/v1/invitations', { token: tokenB })).json).includes(b.invitation));
});

test("lists never include another workspace's records, whatever the filter", async () => {
  // Every GET route without path params (from the route table, so new lists are covered), plus
  // the filters that name B's records.
  const plain = app.server.apiRoutes().filter((r) => r.method === 'GET' && !r.url.includes(':') && r.url !== '/api/v1/openapi.json').map((r) => r.url);
  assert.ok(plain.length >= 15, `${plain.length} GET lists`);
  const lists = [
    ...plain,
    `/api/v1/executions?flowId=${b.flow}`,
    `/api/v1/executions?webhookId=${b.webhook}`,
    `/api/v1/webhooks?flowId=${b.flow}`,
    `/api/v1/audit?targetId=${b.flow}`,
  ];
  for (const path of lists) {
    const res = await app.api(path, { token: tokenA });
    // Lists this token may not read at all: they leak nothing either.
    const refusedHere = /^\/api\/v1\/(operator\/|invitations\/mine)/.test(path) && res.status === 403;
    const needsQuery = path === '/api/v1/plans/suggest' && res.status === 400;
    if (refusedHere || needsQuery) continue;
    assert.equal(res.status, 200, path);
    const text = JSON.stringify(res.json);
    for (const id of Object.values(b)) assert.equal(text.includes(id), false, `${path} leaks ${id}`);
  }
  const workspaces = await app.api('/api/v1/workspaces', { token: tokenA });
  assert.deepEqual(workspaces.json.items.map((w: { slug: string }) => w.slug), ['tenant-a']);
});

test('no token, a wrong token, and a viewer writing are refused', async () => {
  assert.equal((await app.api('/api/v1/flows', { token: 'svz_wrong' })).status, 401);
  const res = await fetch(`${app.url}/api/v1/flows`);
  assert.equal(res.status, 401);
  const viewer = await app.createToken('tenant-a', 'viewer');
  assert.equal((await app.api('/api/v1/flows', { token: viewer })).status, 200);
  const write = await app.api('/api/v1/connections', { token: viewer, body: { name: 'v', connector: 'http', auth: {} } });
  assert.equal(write.status, 403);
});
