// The audit log through a real app over real HTTP: each kind of change leaves one entry with the
// right actor, action and target; no secret lands in it (API answers and the raw SQLite files);
// only owners (their workspace) and the operator (all) read it; a CLI change is recorded as `cli`;
// and every mutating API route declares what it records or why it records nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../../src/api/auth.ts';
import { safeDetails } from '../../src/engine/audit.ts';
import { pruneOnce } from '../../src/plans/retention.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { databaseEnvOf, storedBytes } from '../support/database.ts';

const BIN = new URL('../../bin/svyazka.js', import.meta.url).pathname;

const CONNECTION_SECRET = 'Bearer CONN-SECRET-7f3a9c';
const CONNECTION_SECRET_2 = 'Bearer CONN-SECRET-second-51d0';
const OWNER_PASSWORD = 'owner-PASSWORD-9e2b';
const NEW_PASSWORD = 'new-owner-PASSWORD-1c8d';
const MEMBER_PASSWORD = 'member-PASSWORD-44aa';
const VARIABLE_SECRET = 'VAR-SECRET-value-0b7e';
const VARIABLE_SECRET_2 = 'VAR-SECRET-value-second-93fa';

let app: TestApp;
let cookie: string;
let ownerId: string;

const flow = (name: string, value = '{{trigger.a}}') => ({ name, enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'v', type: 'set', values: { a: value } }] });

async function call(path: string, init: { method?: string; body?: unknown; cookie?: string; token?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.cookie) headers.cookie = init.cookie;
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const res = await fetch(app.url + path, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : null) as any, text, cookie: res.headers.get('set-cookie') };
}

/** As the signed-in owner, in the default workspace; fails the test on anything but 2xx. */
async function owner(path: string, init: { method?: string; body?: unknown } = {}) {
  const res = await call(path, { ...init, cookie });
  assert.ok(res.status >= 200 && res.status < 300, `${init.method ?? 'POST'} ${path}: ${res.status} ${res.text}`);
  return res.json;
}

async function auditAll(init: { cookie?: string; token?: string; query?: string } = { cookie: undefined }) {
  const items: any[] = [];
  let before: string | null = null;
  do {
    const q = new URLSearchParams(init.query ?? '');
    q.set('limit', '7');
    if (before) q.set('before', before);
    const res = await call(`/api/v1/audit?${q}`, { cookie: init.cookie, token: init.token });
    assert.equal(res.status, 200, res.text);
    items.push(...res.json.items);
    before = res.json.next;
  } while (before);
  return items;
}

before(async () => {
  app = await startTestApp();
  const store = app.services.store;
  const user = await store.createUser({ email: 'owner@shop.example', name: 'Owner', passwordHash: await hashPassword(OWNER_PASSWORD) });
  ownerId = user.id;
  await store.setMember(app.workspaceId, user.id, 'owner');
  const login = await call('/api/v1/auth/login', { body: { email: 'owner@shop.example', password: OWNER_PASSWORD } });
  assert.equal(login.status, 200, login.text);
  cookie = login.cookie!.split(';')[0];
});
after(() => app.close());

test('each kind of change leaves one entry with the actor, action and target; failed changes leave none', async () => {
  const created = await owner('/api/v1/flows', { body: flow('Заказы') });
  await owner(`/api/v1/flows/${created.id}`, { method: 'PUT', body: flow('Заказы', '{{trigger.b}}') });
  await owner(`/api/v1/flows/${created.id}/disable`, { method: 'POST' });
  await owner(`/api/v1/flows/${created.id}/enable`, { method: 'POST' });
  const imported = await owner('/api/v1/flows/import', { body: { text: JSON.stringify(flow('Импорт')) } });
  await owner(`/api/v1/flows/${imported.id}`, { method: 'DELETE' });

  const conn = await owner('/api/v1/connections', { body: { name: 'api', connector: 'http', auth: { baseUrl: 'http://127.0.0.1:9', headerName: 'Authorization', headerValue: CONNECTION_SECRET } } });
  await owner(`/api/v1/connections/${conn.id}`, { method: 'PATCH', body: { auth: { headerValue: CONNECTION_SECRET_2 } } });
  await owner(`/api/v1/connections/${conn.id}`, { method: 'PATCH', body: { name: 'api-2' } });
  await owner(`/api/v1/connections/${conn.id}/test`, { method: 'POST' });
  await owner(`/api/v1/connections/${conn.id}`, { method: 'DELETE' });

  // Members come by invitation: invited, the account made by the operator, accepted by the invitee.
  const invited = await owner('/api/v1/invitations', { body: { email: 'editor@shop.example', role: 'editor' } });
  const dropped = await owner('/api/v1/invitations', { body: { email: 'nobody@shop.example', role: 'viewer' } });
  await owner(`/api/v1/invitations/${dropped.invitation.id}`, { method: 'DELETE' });
  const invitee = await app.services.store.createUser({ email: 'editor@shop.example', name: 'Editor', passwordHash: await hashPassword(MEMBER_PASSWORD) });
  const inviteeLogin = await call('/api/v1/auth/login', { body: { email: 'editor@shop.example', password: MEMBER_PASSWORD } });
  const inviteeCookie = inviteeLogin.cookie!.split(';')[0];
  assert.equal((await call(`/api/v1/invitations/${invited.invitation.id}/accept`, { cookie: inviteeCookie, method: 'POST' })).status, 200);
  await owner('/api/v1/members', { method: 'PUT', body: { email: 'editor@shop.example', role: 'viewer' } });
  await owner(`/api/v1/members/${invitee.id}`, { method: 'DELETE' });
  const token = await owner('/api/v1/tokens', { body: { name: 'интеграция', role: 'editor' } });
  await owner(`/api/v1/tokens/${token.id}`, { method: 'DELETE' });
  await owner('/api/v1/workspace', { method: 'PATCH', body: { timezone: 'Asia/Yekaterinburg' } });
  await owner('/api/v1/variables/API_KEY', { method: 'PUT', body: { value: VARIABLE_SECRET, secret: true } });
  await owner('/api/v1/variables/API_KEY', { method: 'PUT', body: { value: VARIABLE_SECRET_2, secret: true } });
  await owner('/api/v1/variables/API_KEY', { method: 'DELETE' });

  // Refused changes are not recorded: a bad body, another workspace's id, a connection in use.
  assert.equal((await call('/api/v1/flows', { cookie, body: { name: '' } })).status, 422);
  assert.equal((await call('/api/v1/flows/fl_nope', { cookie, method: 'DELETE' })).status, 404);
  await owner('/api/v1/connections', { body: { name: 'used', connector: 'http', auth: {} } });
  await owner('/api/v1/flows', { body: { ...flow('Использует'), steps: [{ id: 'h', type: 'action', connector: 'http', action: 'request', connection: 'used', input: { url: '/x' } }] } });
  const used = (await owner('/api/v1/connections')).items.find((c: any) => c.name === 'used');
  assert.equal((await call(`/api/v1/connections/${used.id}`, { cookie, method: 'DELETE' })).status, 409);

  const entries = (await auditAll({ cookie })).reverse();
  const joined = entries.filter((e) => e.actor.id !== ownerId);
  assert.deepEqual(joined.map((e) => [e.action, e.actor.label, e.target.type, e.target.name, e.details.role]), [['member.join', 'editor@shop.example', 'invitation', 'editor@shop.example', 'editor']], 'the invitee acted once');
  const mine = entries.filter((e) => e.actor.id === ownerId);
  for (const e of mine) {
    assert.equal(e.actor.kind, 'user');
    assert.equal(e.actor.label, 'owner@shop.example');
    assert.equal(e.workspaceId, app.workspaceId);
    assert.match(e.at, /^\d{4}-\d\d-\d\dT/);
    assert.ok(e.ip === '127.0.0.1' || e.ip === '::1' || e.ip === '::ffff:127.0.0.1', e.ip);
  }
  const summary = mine.map((e) => `${e.action} ${e.target.type}:${e.target.name ?? e.target.id}`);
  assert.deepEqual(summary, [
    'flow.create flow:Заказы',
    'flow.update flow:Заказы',
    'flow.disable flow:Заказы',
    'flow.enable flow:Заказы',
    'flow.create flow:Импорт',
    'flow.delete flow:Импорт',
    'connection.create connection:api',
    'connection.update connection:api',
    'connection.rename connection:api-2',
    'connection.test connection:api-2',
    'connection.delete connection:api-2',
    'member.invite invitation:editor@shop.example',
    'member.invite invitation:nobody@shop.example',
    'member.invite_revoke invitation:nobody@shop.example',
    'member.role user:editor@shop.example',
    'member.remove user:editor@shop.example',
    'token.create token:интеграция',
    'token.revoke token:интеграция',
    'workspace.update workspace:Default',
    'variable.create variable:API_KEY',
    'variable.update variable:API_KEY',
    'variable.delete variable:API_KEY',
    'connection.create connection:used',
    'flow.create flow:Использует',
  ]);
  const by = (action: string) => mine.filter((e) => e.action === action);
  assert.equal(by('flow.update')[0].details.version, 2);
  assert.equal(by('flow.delete')[0].target.id, imported.id);
  assert.deepEqual(by('connection.rename')[0].details, { from: 'api', to: 'api-2', authFieldsChanged: [] });
  assert.deepEqual(by('connection.update')[0].details.authFieldsChanged, ['headerValue'], 'which field changed, never its value');
  assert.deepEqual(by('member.role')[0].details, { role: 'viewer', from: 'editor' });
  assert.equal(by('member.remove')[0].target.id, invitee.id);
  assert.deepEqual(by('member.invite')[0].details, { role: 'editor' });
  assert.equal(by('token.create')[0].target.id, token.id);
  assert.deepEqual(by('variable.update')[0].details, { kind: 'secret', valueChanged: true });
  assert.deepEqual(by('workspace.update')[0].details, { changed: { timezone: { from: 'Europe/Moscow', to: 'Asia/Yekaterinburg' } } });

  // Filters: an action prefix, a target, a time range.
  const flowsOnly = await auditAll({ cookie, query: 'action=flow' });
  assert.ok(flowsOnly.length === 7 && flowsOnly.every((e) => e.action.startsWith('flow.')), JSON.stringify(flowsOnly.map((e) => e.action)));
  assert.equal((await auditAll({ cookie, query: 'action=member.invite' })).length, 2, 'an exact action is not a prefix of member.invite_revoke');
  assert.equal((await auditAll({ cookie, query: 'action=member' })).length, 6);
  assert.equal((await auditAll({ cookie, query: `targetType=flow&targetId=${created.id}` })).length, 4);
  assert.equal((await auditAll({ cookie, query: `actor=${ownerId}&from=${new Date(Date.now() + 60_000).toISOString()}` })).length, 0);
  assert.equal((await call('/api/v1/audit?action=DROP%20TABLE', { cookie })).status, 400);
});

test('an API token is the actor `token:<id>` with its name; a password change is instance-level', async () => {
  const secret = await owner('/api/v1/tokens', { body: { name: 'робот', role: 'editor' } });
  await owner('/api/v1/flows', { body: flow('От токена') });
  const res = await call('/api/v1/flows', { token: secret.token, body: flow('От токена', '{{trigger.z}}') });
  assert.equal(res.status, 201, res.text);
  const [latest] = (await call('/api/v1/audit?limit=1', { cookie })).json.items;
  assert.deepEqual(latest.actor, { id: `token:${secret.id}`, kind: 'token', label: 'робот' });
  assert.equal(latest.action, 'flow.update');

  assert.equal((await call('/api/v1/auth/password', { cookie, body: { currentPassword: OWNER_PASSWORD, newPassword: NEW_PASSWORD } })).status, 200);
  const everything = await app.services.store.audit.list({ actionPrefix: 'user.password', limit: 10 });
  assert.equal(everything.items.length, 1);
  assert.equal(everything.items[0].workspaceId, null);
  assert.equal(everything.items[0].actor.id, ownerId);
  assert.equal((await auditAll({ cookie, query: 'action=user' })).length, 0, "not in the workspace's log");
});

test('no secret appears in any audit answer nor in the raw SQLite files', async () => {
  const token = await owner('/api/v1/tokens', { body: { name: 'secret-check', role: 'viewer' } });
  const secrets = [CONNECTION_SECRET, CONNECTION_SECRET_2, OWNER_PASSWORD, NEW_PASSWORD, MEMBER_PASSWORD, VARIABLE_SECRET, VARIABLE_SECRET_2, token.token];
  const answers = JSON.stringify(await auditAll({ cookie }));
  assert.ok(answers.includes('secret-check'), 'the token is in the log by name');
  for (const s of secrets) assert.ok(!answers.includes(s), `an audit answer holds a secret: ${s.slice(0, 12)}…`);
  const cli = spawnSync(process.execPath, [BIN, 'audit', 'list', '--json', '--limit', '500'], { env: { ...process.env, SVYAZKA_DATA_DIR: app.dataDir, LOG_LEVEL: 'silent', ...databaseEnvOf(app.dataDir) }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(cli.status, 0, cli.stderr);
  assert.ok(JSON.parse(cli.stdout).items.length > 20);
  for (const s of secrets) assert.ok(!cli.stdout.includes(s), 'the CLI listing holds a secret');

  const raw = await storedBytes(app.dataDir);
  assert.ok(raw.includes(Buffer.from('secret-check')), 'the raw files are readable (the entries are there)');
  for (const s of secrets) assert.equal(raw.indexOf(Buffer.from(s)), -1, `a raw SQLite file holds a secret: ${s.slice(0, 12)}…`);
});

test('viewers and editors get 403; another workspace\'s owner sees none of ours', async () => {
  for (const role of ['viewer', 'editor'] as const) {
    const t = await app.createToken('default', role);
    const res = await call('/api/v1/audit', { token: t });
    assert.equal(res.status, 403, `${role}: ${res.text}`);
    assert.equal((await call(`/api/v1/audit?workspace=default`, { token: t })).status, 403);
  }
  const other = await app.createToken('other-shop', 'owner');
  await call('/api/v1/flows', { token: other, body: flow('Чужая связка') });
  const theirs = await auditAll({ token: other });
  assert.deepEqual(theirs.map((e) => `${e.action} ${e.target.name}`), ['flow.create Чужая связка']);
  assert.equal((await call(`/api/v1/audit?workspace=default`, { token: other })).status, 404);
  assert.equal((await call(`/api/v1/audit?workspace=${app.workspaceId}`, { token: other })).status, 404);
  assert.equal((await call('/api/v1/audit', { token: other, headers: { 'x-workspace': 'default' } })).status, 404);
  const ours = await auditAll({ cookie });
  assert.ok(!ours.some((e) => e.target.name === 'Чужая связка'));
});

test('the operator changes plan and balance (in the owner\'s log, as the operator), sees every workspace and instance events', async () => {
  const store = app.services.store;
  const op = await store.createUser({ email: 'ops@instance.example', name: 'Ops', passwordHash: await hashPassword('operator-pass-1') });
  await store.access.addOperator(op.id, Date.now());
  const opCookie = (await call('/api/v1/auth/login', { body: { email: 'ops@instance.example', password: 'operator-pass-1' } })).cookie!.split(';')[0];
  const asOp = async (path: string, init: { method?: string; body?: unknown }) => {
    const res = await call(path, { ...init, cookie: opCookie, headers: { 'x-workspace': 'default' } });
    assert.ok(res.status < 300, `${path}: ${res.status} ${res.text}`);
  };
  await asOp('/api/v1/billing/plan', { method: 'PUT', body: { planId: 'unlimited' } });
  await asOp('/api/v1/balance/top-up', { body: { amountKopecks: 150_000 } });
  await asOp('/api/v1/balance/adjust', { body: { amountKopecks: -500, reason: 'возврат за сбой' } });
  await asOp('/api/v1/operator/settings', { method: 'PATCH', body: { trialEnd: 'wait' } });

  const ownerView = (await auditAll({ cookie })).filter((e) => e.actor.id === op.id).reverse();
  assert.deepEqual(ownerView.map((e) => `${e.action} ${e.target.type}:${e.target.name ?? e.target.id}`), ['plan.change plan:unlimited', `balance.top_up balance:${app.workspaceId}`, `balance.adjust balance:${app.workspaceId}`]);
  assert.deepEqual(ownerView[0].details, { from: 'unlimited', to: 'unlimited' });
  assert.deepEqual(ownerView[2].details, { amountKopecks: -500, reason: 'возврат за сбой' });
  assert.ok(ownerView.every((e) => e.actor.label === 'ops@instance.example'));

  const all = await auditAll({ cookie: opCookie });
  const workspaces = new Set(all.map((e) => e.workspace?.slug ?? null));
  assert.ok(workspaces.has('default') && workspaces.has('other-shop') && workspaces.has(null), JSON.stringify([...workspaces]));
  const settings = all.find((e) => e.action === 'operator.settings');
  assert.deepEqual([settings.workspaceId, settings.target, settings.details], [null, { type: 'instance', id: 'settings', name: null }, { changed: { trialEnd: 'wait' } }]);
  const narrowed = await auditAll({ cookie: opCookie, query: 'workspace=other-shop' });
  assert.ok(narrowed.length > 0 && narrowed.every((e) => e.workspace.slug === 'other-shop'));
  const byHeader = await call('/api/v1/audit?limit=500', { cookie: opCookie, headers: { 'x-workspace': 'other-shop' } });
  assert.deepEqual(byHeader.json.items.map((e: any) => e.id), narrowed.map((e) => e.id), 'X-Workspace narrows the same way');
  assert.equal((await call('/api/v1/audit?workspace=no-such-shop', { cookie: opCookie })).status, 404);
});

test('a change made with the CLI is recorded with actor `cli` and the OS user', async () => {
  const file = join(app.dataDir, 'cli-flow.json');
  writeFileSync(file, JSON.stringify(flow('Из консоли')));
  const res = spawnSync(process.execPath, [BIN, 'flow', 'import', file, '--workspace', 'default'], {
    env: { ...process.env, SVYAZKA_DATA_DIR: app.dataDir, LOG_LEVEL: 'silent', ...databaseEnvOf(app.dataDir) },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(res.status, 0, res.stderr);
  const id = JSON.parse(res.stdout).id;
  const entries = await auditAll({ cookie, query: `targetId=${id}` });
  assert.equal(entries.length, 1);
  assert.equal(entries[0].action, 'flow.create');
  assert.deepEqual(entries[0].actor, { id: 'cli', kind: 'cli', label: userInfo().username });
  assert.equal(entries[0].target.name, 'Из консоли');
  assert.equal(entries[0].ip, null);

  const listed = spawnSync(process.execPath, [BIN, 'audit', 'list', '--action', 'flow.create', '--limit', '1'], { env: { ...process.env, SVYAZKA_DATA_DIR: app.dataDir, LOG_LEVEL: 'silent', ...databaseEnvOf(app.dataDir) }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(listed.status, 0, listed.stderr);
  assert.match(listed.stdout, /cli \(.+\)\s+flow\.create\s+flow «Из консоли»/);
});

test('every mutating API route declares its audit entry or why it has none', () => {
  const routes = app.server.apiRoutes();
  assert.ok(routes.length > 30);
  const undeclared = routes.filter((r) => r.method !== 'GET' && !r.audit).map((r) => `${r.method} ${r.url}`);
  assert.deepEqual(undeclared, [], 'declare `audit: { action, target }` or `audit: { exempt: "why" }`');
  for (const r of routes) {
    if (r.audit && 'exempt' in r.audit) assert.ok(r.audit.exempt.length > 10, `${r.method} ${r.url}: say why it is exempt`);
    if (r.audit && !('exempt' in r.audit) && typeof r.audit.action === 'string') assert.match(r.audit.action, /^[a-z_]+\.[a-z_]+$/);
  }
  assert.ok(!routes.some((r) => r.method === 'GET' && r.audit && !('exempt' in r.audit)), 'reads are not audited');
});

test('details lose secret-looking keys at any depth; yes/no kinds and field names stay', () => {
  const cleaned = safeDetails({
    role: 'editor',
    password: 'p4ss',
    nested: { apiKey: 'k', authorization: 'Bearer x', deeper: { client_secret: 's', ok: 1 } },
    secret: true,
    tokenId: 'tok_1',
    authFieldsChanged: ['apiKey'],
    long: 'x'.repeat(2000),
  });
  assert.deepEqual({ ...cleaned, long: undefined }, { role: 'editor', nested: { deeper: { ok: 1 } }, secret: true, tokenId: 'tok_1', authFieldsChanged: ['apiKey'], long: undefined });
  assert.ok((cleaned.long as string).length < 600, 'long strings are cut');
});

test('the log is append-only and retention does not prune it', async () => {
  const store = app.services.store;
  const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(store.audit)).filter((m) => m !== 'constructor' && m !== 'q');
  assert.deepEqual(methods.sort(), ['append', 'list']);
  const old = await store.audit.append({ workspaceId: app.workspaceId, at: Date.UTC(2001, 0, 1), actor: { id: 'system', label: null }, action: 'test.ancient', target: { type: 'test', id: null, name: null }, details: {}, ip: null });
  await pruneOnce(app.services, Date.now() + 3650 * 86_400_000 * 2);
  const found = await store.audit.list({ workspaceIds: [app.workspaceId], actionPrefix: 'test', limit: 5 });
  assert.deepEqual(found.items.map((e) => e.id), [old.id]);
});
