// Accounts through the API and the command line: the first admin (any name@host address) signs
// in, reads who they are, changes their password; workspace settings, members and API tokens.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { hashPassword } from '../../src/api/auth.ts';
import { startTestApp, tempDataDir, waitFor, type TestApp } from '../support/app.ts';
import { databaseEnv, dropDatabaseFor } from '../support/database.ts';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.close());

async function call(path: string, init: { method?: string; body?: unknown; cookie?: string; token?: string; workspace?: string } = {}) {
  const res = await fetch(app.url + path, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: {
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.cookie ? { cookie: init.cookie } : {}),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.workspace ? { 'x-workspace': init.workspace } : {}),
    },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as any, cookie: res.headers.get('set-cookie')?.split(';')[0] };
}

async function addUser(email: string, password: string, role: 'owner' | 'editor' | 'viewer', workspaceId = app.workspaceId) {
  const s = app.services;
  const user = await s.store.createUser({ email, name: email.split('@')[0], passwordHash: await hashPassword(password) });
  await s.store.setMember(workspaceId, user.id, role);
  return user;
}

async function signIn(email: string, password: string): Promise<string> {
  const login = await call('/api/v1/auth/login', { body: { email, password } });
  assert.equal(login.status, 200, JSON.stringify(login.json));
  return login.cookie!;
}

test('admin@localhost signs in; /auth/me names the user and their workspaces; a malformed email is refused on its field', async () => {
  const admin = await addUser('admin@localhost', 'first-admin-pass', 'owner');
  const cookie = await signIn('admin@localhost', 'first-admin-pass');
  const me = await call('/api/v1/auth/me', { cookie });
  assert.equal(me.status, 200);
  assert.deepEqual(me.json.user, { id: admin.id, email: 'admin@localhost', name: 'admin' });
  assert.deepEqual(me.json.workspaces, [{ id: app.workspaceId, slug: 'default', name: 'Default', role: 'owner', timezone: 'Europe/Moscow', locale: 'ru' }]);

  for (const email of ['admin', 'admin@', '@localhost', 'a b@host', 'a@host.']) {
    const bad = await call('/api/v1/auth/login', { body: { email, password: 'x' } });
    assert.equal(bad.status, 400, email);
    assert.equal(bad.json.issues[0].path, 'body.email');
  }
  // An API token made without a user: no user, its one workspace.
  const byToken = await call('/api/v1/auth/me', { token: app.token });
  assert.equal(byToken.json.user, null);
  assert.deepEqual(byToken.json.workspaces.map((w: { slug: string }) => w.slug), ['default']);
  assert.equal((await call('/api/v1/auth/me')).status, 401);
});

test('changing the password checks the current one, ends the other sessions and keeps this one', async () => {
  await addUser('ira@shop.local', 'old-password-1', 'editor');
  const here = await signIn('ira@shop.local', 'old-password-1');
  const elsewhere = await signIn('ira@shop.local', 'old-password-1');

  const wrong = await call('/api/v1/auth/password', { cookie: here, body: { currentPassword: 'nope-nope', newPassword: 'new-password-2' } });
  assert.equal(wrong.status, 400);
  assert.match(wrong.json.message, /current password is wrong/);
  assert.equal(wrong.json.issues[0].path, 'body.currentPassword');
  const short = await call('/api/v1/auth/password', { cookie: here, body: { currentPassword: 'old-password-1', newPassword: 'short' } });
  assert.equal(short.status, 400);
  assert.equal(short.json.issues[0].path, 'body.newPassword');
  assert.match(short.json.issues[0].message, /8/);
  assert.equal((await call('/api/v1/auth/me', { cookie: elsewhere })).status, 200, 'failed attempts end nothing');

  const changed = await call('/api/v1/auth/password', { cookie: here, body: { currentPassword: 'old-password-1', newPassword: 'new-password-2' } });
  assert.deepEqual([changed.status, changed.json], [200, { ok: true }]);
  assert.equal((await call('/api/v1/auth/me', { cookie: elsewhere })).status, 401, 'the other session ended');
  assert.equal((await call('/api/v1/auth/me', { cookie: here })).status, 200, 'this session goes on');
  assert.equal((await call('/api/v1/auth/login', { body: { email: 'ira@shop.local', password: 'old-password-1' } })).status, 401);
  await signIn('IRA@shop.local', 'new-password-2');
  // A token without a user has no password to change.
  assert.equal((await call('/api/v1/auth/password', { token: app.token, body: { currentPassword: 'x', newPassword: 'new-password-3' } })).status, 403);
});

test('workspace settings: Moscow and Russian by default; the owner changes name, time zone and language; bad zones refused', async () => {
  const owner = await app.createToken('settings-shop', 'owner');
  const editor = await app.createToken('settings-shop', 'editor');
  const initial = await call('/api/v1/workspace', { token: owner });
  assert.equal(initial.status, 200);
  assert.deepEqual({ ...initial.json, id: undefined }, { id: undefined, slug: 'settings-shop', name: 'settings-shop', timezone: 'Europe/Moscow', locale: 'ru', role: 'owner' });

  const patched = await call('/api/v1/workspace', { token: owner, method: 'PATCH', body: { name: 'Магазин на Урале', timezone: 'Asia/Yekaterinburg', locale: 'en' } });
  assert.equal(patched.status, 200, JSON.stringify(patched.json));
  assert.deepEqual([patched.json.name, patched.json.timezone, patched.json.locale], ['Магазин на Урале', 'Asia/Yekaterinburg', 'en']);
  const onlyZone = await call('/api/v1/workspace', { token: owner, method: 'PATCH', body: { timezone: 'utc' } });
  assert.deepEqual([onlyZone.json.name, onlyZone.json.timezone, onlyZone.json.locale], ['Магазин на Урале', 'UTC', 'en'], 'fields left out stay; the zone is spelled canonically');

  for (const body of [{ timezone: 'Mars/Olympus' }, { timezone: '+03:00' }, { locale: 'de' }, { name: '  ' }]) {
    const bad = await call('/api/v1/workspace', { token: owner, method: 'PATCH', body });
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.equal(bad.json.issues[0].path, `body.${Object.keys(body)[0]}`);
  }
  assert.equal((await call('/api/v1/workspace', { token: editor, method: 'PATCH', body: { locale: 'ru' } })).status, 403);
  const seenByEditor = await call('/api/v1/workspace', { token: editor });
  assert.deepEqual([seenByEditor.json.timezone, seenByEditor.json.role], ['UTC', 'editor']);
  const list = await call('/api/v1/workspaces', { token: editor });
  assert.equal(list.json.items[0].locale, 'en');
});

test('members: listed with ids; removing one revokes their tokens there; the last owner can be neither removed nor demoted', async () => {
  const ws = await app.services.store.createWorkspace('team', 'Team');
  const boss = await addUser('boss@team.local', 'boss-password', 'owner', ws.id);
  const helper = await addUser('helper@team.local', 'helper-password', 'editor', ws.id);
  const bossCookie = await signIn('boss@team.local', 'boss-password');
  const as = { cookie: bossCookie, workspace: 'team' };

  const members = await call('/api/v1/members', as);
  assert.deepEqual(members.json, {
    items: [
      { userId: boss.id, email: 'boss@team.local', name: 'boss', role: 'owner' },
      { userId: helper.id, email: 'helper@team.local', name: 'helper', role: 'editor' },
    ],
  });
  const lastOwner = await call(`/api/v1/members/${boss.id}`, { ...as, method: 'DELETE' });
  assert.equal(lastOwner.status, 409);
  assert.match(lastOwner.json.message, /owner/);
  assert.equal((await call('/api/v1/members', { ...as, method: 'PUT', body: { email: 'boss@team.local', role: 'editor' } })).status, 409);

  // The helper, made owner, mints a token; removing the helper revokes it.
  await call('/api/v1/members', { ...as, method: 'PUT', body: { email: 'helper@team.local', role: 'owner' } });
  const helperCookie = await signIn('helper@team.local', 'helper-password');
  const minted = await call('/api/v1/tokens', { cookie: helperCookie, workspace: 'team', body: { name: 'helper script', role: 'editor' } });
  assert.equal(minted.status, 201);
  assert.equal((await call('/api/v1/flows', { token: minted.json.token })).status, 200);
  assert.equal((await call(`/api/v1/members/${helper.id}`, { ...as, method: 'DELETE' })).status, 200);
  assert.equal((await call('/api/v1/flows', { token: minted.json.token })).status, 401, "the removed member's token stopped working");
  assert.equal((await call('/api/v1/flows', { cookie: helperCookie, workspace: 'team' })).status, 404, 'the removed member no longer sees the workspace');
  assert.equal((await call(`/api/v1/members/${helper.id}`, { ...as, method: 'DELETE' })).status, 404);
  assert.equal((await call('/api/v1/members', as)).json.items.length, 1);
  // With two owners one may go.
  await addUser('second@team.local', 'second-password', 'owner', ws.id);
  assert.equal((await call(`/api/v1/members/${boss.id}`, { ...as, method: 'DELETE' })).status, 200);
});

test('tokens: listed without secrets, revoked at once, owners only', async () => {
  const owner = await app.createToken('tokens-shop', 'owner');
  const editor = await app.createToken('tokens-shop', 'editor');
  const made = await call('/api/v1/tokens', { token: owner, body: { name: 'CRM script', role: 'viewer' } });
  assert.equal(made.status, 201);
  const list = await call('/api/v1/tokens', { token: owner });
  assert.equal(list.status, 200);
  assert.equal(list.json.items.length, 3);
  const entry = list.json.items.find((t: { id: string }) => t.id === made.json.id);
  assert.deepEqual(Object.keys(entry).sort(), ['createdAt', 'id', 'name', 'role']);
  assert.deepEqual([entry.name, entry.role], ['CRM script', 'viewer']);
  assert.ok(!Number.isNaN(Date.parse(entry.createdAt)));
  assert.ok(!JSON.stringify(list.json).includes(made.json.token), 'no secret in the list');

  assert.equal((await call('/api/v1/tokens', { token: editor })).status, 403);
  assert.equal((await call(`/api/v1/tokens/${made.json.id}`, { token: editor, method: 'DELETE' })).status, 403);
  assert.equal((await call('/api/v1/flows', { token: made.json.token })).status, 200);
  assert.equal((await call(`/api/v1/tokens/${made.json.id}`, { token: owner, method: 'DELETE' })).status, 200);
  assert.equal((await call('/api/v1/flows', { token: made.json.token })).status, 401);
  assert.equal((await call(`/api/v1/tokens/${made.json.id}`, { token: owner, method: 'DELETE' })).status, 404);
  assert.equal((await call('/api/v1/tokens', { token: owner })).json.items.length, 2);
  // A token of another workspace is not found.
  const other = await call('/api/v1/tokens', { token: app.token });
  assert.equal((await call(`/api/v1/tokens/${other.json.items[0].id}`, { token: owner, method: 'DELETE' })).status, 404);
});

test('the OpenAPI document lists the new endpoints', async () => {
  const doc = await call('/api/v1/openapi.json');
  for (const [path, method] of [['/api/v1/auth/me', 'get'], ['/api/v1/auth/password', 'post'], ['/api/v1/workspace', 'patch'], ['/api/v1/members/{userId}', 'delete'], ['/api/v1/tokens', 'get'], ['/api/v1/tokens/{id}', 'delete'], ['/api/v1/connections/{id}', 'patch']]) {
    assert.ok(doc.json.paths[path]?.[method], `${method} ${path}`);
  }
});

const BIN = new URL('../../bin/svyazka.js', import.meta.url).pathname;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `svyazka serve` on a fresh data dir: the printed first admin, then signs in with it. */
async function firstStart(args: string[], env: Record<string, string> = {}) {
  const dataDir = tempDataDir();
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), ...args], {
    env: { ...process.env, SVYAZKA_DATA_DIR: dataDir, HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...(await databaseEnv(dataDir)), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  try {
    const [, email, password] = await waitFor(() => /email:\s+(\S+)\n\s+password:\s+(\S+)/.exec(out), 120_000, 'the first admin');
    const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    return { email, status: login.status };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await dropDatabaseFor(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('serve: the first admin is admin@localhost, or --admin-email / SVYAZKA_ADMIN_EMAIL, and signs in', async () => {
  assert.deepEqual(await firstStart([]), { email: 'admin@localhost', status: 200 });
  assert.deepEqual(await firstStart(['--admin-email', 'Boss@Shop.local']), { email: 'boss@shop.local', status: 200 });
  assert.deepEqual(await firstStart([], { SVYAZKA_ADMIN_EMAIL: 'ops@intranet' }), { email: 'ops@intranet', status: 200 });
});

test('user create refuses a malformed email and takes one without a TLD', async () => {
  const dataDir = tempDataDir();
  const dbEnv = await databaseEnv(dataDir);
  const run = (email: string) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'user', 'create', '--email', email, '--password', 'long-enough-1'], { env: { ...process.env, SVYAZKA_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...dbEnv } });
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      child.once('exit', (code) => resolve({ code, stderr }));
    });
  try {
    const bad = await run('not-an-email');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--email must be an email address/);
    assert.equal((await run('manager@crm')).code, 0);
  } finally {
    await dropDatabaseFor(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
