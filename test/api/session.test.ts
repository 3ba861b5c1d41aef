// Users, sessions and roles through the API, and secrets kept out of the logs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { startApp, type RunningApp } from '../../src/app.ts';
import { createLogger } from '../../src/logger.ts';
import { startEchoTarget } from '../../src/connectors/http/echo-target.ts';
import { hashPassword } from '../../src/api/auth.ts';
import { startTestApp, tempDataDir, testConfig, waitFor, type TestApp } from '../support/app.ts';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.close());

async function call(path: string, init: { method?: string; body?: unknown; cookie?: string } = {}) {
  const res = await fetch(app.url + path, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.cookie ? { cookie: init.cookie } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as any, cookie: res.headers.get('set-cookie') };
}

test('members get a password, sign in with a session cookie, and act with their role', async () => {
  // Accounts are made by the operator (CLI); the API only invites (test/security/invitations.test.ts).
  const editor = await app.services.store.createUser({ email: 'Editor@Example.ru', name: 'Editor', passwordHash: await hashPassword('correct horse') });
  await app.services.store.setMember(app.workspaceId, editor.id, 'editor');
  assert.equal((await call('/api/v1/auth/login', { body: { email: 'editor@example.ru', password: 'wrong password' } })).status, 401);
  const login = await call('/api/v1/auth/login', { body: { email: 'editor@example.ru', password: 'correct horse' } });
  assert.equal(login.status, 200);
  const cookie = login.cookie!.split(';')[0];
  assert.match(login.cookie!, /HttpOnly/);
  const flows = await call('/api/v1/flows', { cookie });
  assert.equal(flows.status, 200);
  const ws = await call('/api/v1/workspaces', { cookie });
  assert.deepEqual(ws.json.items.map((w: { slug: string; role: string }) => [w.slug, w.role]), [['default', 'editor']]);
  // An editor cannot mint tokens (owner only); the instance's only user may create a workspace (setting workspaceCreation: auto) and owns it.
  assert.equal((await call('/api/v1/tokens', { cookie, body: { name: 'x' } })).status, 403);
  const created = await call('/api/v1/workspaces', { cookie, body: { slug: 'second-shop', name: 'Второй магазин' } });
  assert.equal(created.status, 201);
  const ambiguous = await call('/api/v1/flows', { cookie });
  assert.equal(ambiguous.status, 404, 'two workspaces: the request must name one');
  const named = await fetch(`${app.url}/api/v1/flows`, { headers: { cookie, 'x-workspace': 'second-shop' } });
  assert.equal(named.status, 200);
  await call('/api/v1/auth/logout', { method: 'POST', cookie });
  assert.equal((await call('/api/v1/flows', { cookie })).status, 401);
});

test('logs never carry credentials, tokens or webhook secrets', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  const echo = await startEchoTarget();
  const dataDir = tempDataDir();
  let running: RunningApp | null = null;
  try {
    running = await startApp(testConfig(dataDir, { logLevel: 'trace' }), { logger: createLogger({ level: 'trace', destination: sink }) });
    const s = running.services;
    await s.connections.save(s.defaultWorkspace.id, { name: 'echo', connector: 'http', auth: { baseUrl: echo.baseUrl, headerName: 'Authorization', headerValue: 'Bearer very-secret-value' } });
    const flow = await s.flows.save(s.defaultWorkspace.id, {
      name: 'log', enabled: true, trigger: { connector: 'webhook', event: 'incoming' },
      steps: [{ id: 'x', type: 'action', connector: 'http', action: 'request', connection: 'echo', input: { url: '/status/503' }, retry: { maxAttempts: 2, baseDelayMs: 10 } }],
    });
    const res = await fetch(`${running.url}/hooks/${flow.hookToken}?api_key=query-secret`, { method: 'POST', headers: { authorization: 'Bearer sender-secret', 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 200);
    await waitFor(async () => (await s.store.listExecutions(s.defaultWorkspace.id, { limit: 1 })).items[0]?.status === 'failed');
    await s.connections.test((await s.store.getConnectionByName(s.defaultWorkspace.id, 'echo'))!, s.limiter, s.logger);
    const text = lines.join('');
    assert.ok(text.includes('retry scheduled'), 'the run was logged');
    for (const secret of ['very-secret-value', 'sender-secret', flow.hookToken!]) assert.equal(text.includes(secret), false, `${secret} leaked into logs`);
  } finally {
    await running?.stop();
    await echo.close();
  }
});
