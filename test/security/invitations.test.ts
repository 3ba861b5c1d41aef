// Invitations instead of silent adds: the owner's answer is the same for an address with an
// account and one without (no enumeration, no account created); the invited user sees, accepts
// or declines; owners list and revoke; a role change of a member stays direct. Tokens carry a
// role no higher than their creator's, in the creator's workspace only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { hashPassword } from '../../src/api/auth.ts';
import { startTestApp, UNLIMITED_PLANS, type TestApp } from '../support/app.ts';
import { databaseEnvOf } from '../support/database.ts';
import { sessionCaller, signIn, type Call } from '../support/operator.ts';

let app: TestApp;
let owner: Call;
let shopId: string;
before(async () => {
  app = await startTestApp();
  const store = app.services.store;
  shopId = (await store.createWorkspace('invite-shop', 'Магазин приглашений')).id;
  const boss = await store.createUser({ email: 'boss@invite.local', name: 'Boss', passwordHash: await hashPassword('boss-password') });
  await store.setMember(shopId, boss.id, 'owner');
  owner = sessionCaller(app, await signIn(app, 'boss@invite.local', 'boss-password'));
});
after(() => app.close());

const inShop = { workspace: 'invite-shop' };

/** The answer without the parts that name the invitation itself (its id, address, times). */
function shape(answer: { status: number; json: any }) {
  const { invitation, ...rest } = answer.json;
  return { status: answer.status, keys: Object.keys(answer.json).sort(), invitationKeys: Object.keys(invitation ?? {}).sort(), rest, role: invitation?.role };
}

test('inviting an address with an account and one without: the same answer, no account created, nothing added yet', async () => {
  const store = app.services.store;
  await store.createUser({ email: 'known@invite.local', name: 'Known', passwordHash: await hashPassword('known-password') });
  const usersBefore = await store.access.countUsers();

  const known = await owner('/api/v1/invitations', { body: { email: 'known@invite.local', role: 'editor' }, ...inShop });
  const unknown = await owner('/api/v1/invitations', { body: { email: 'unknown@invite.local', role: 'editor' }, ...inShop });
  assert.equal(known.status, 202, JSON.stringify(known.json));
  assert.deepEqual(shape(known), shape(unknown));
  assert.match(known.json.message, /Приглашение отправлено/);
  // The older way in, PUT /members, answers an address that is no member the same way too.
  const viaMembers = await owner('/api/v1/members', { method: 'PUT', body: { email: 'known2@invite.local', role: 'editor' }, ...inShop });
  const viaMembersUnknown = await owner('/api/v1/members', { method: 'PUT', body: { email: 'unknown2@invite.local', role: 'editor', password: 'would-be-password' }, ...inShop });
  assert.deepEqual(shape(viaMembers), shape(viaMembersUnknown));
  assert.equal(viaMembers.json.invited, true);

  assert.equal(await store.access.countUsers(), usersBefore, 'no account was created');
  assert.equal(await store.getUserByEmail('unknown@invite.local'), undefined);
  assert.equal(await store.getUserByEmail('unknown2@invite.local'), undefined);
  const members = (await owner('/api/v1/members', inShop)).json.items.map((m: { email: string }) => m.email);
  assert.deepEqual(members, ['boss@invite.local'], 'nobody joined without accepting');
  const pending = (await owner('/api/v1/invitations', inShop)).json.items.map((i: { email: string }) => i.email).sort();
  assert.deepEqual(pending, ['known2@invite.local', 'known@invite.local', 'unknown2@invite.local', 'unknown@invite.local']);

  const bad = await owner('/api/v1/invitations', { body: { email: 'not-an-address', role: 'editor' }, ...inShop });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.issues[0].path, 'body.email');
  assert.equal((await owner('/api/v1/invitations', { body: { email: 'boss@invite.local', role: 'viewer' }, ...inShop })).status, 409, 'a member is changed in the member list');
});

test('the invited user sees the invitation after signing in, accepts it and acts with its role; another declines', async () => {
  const known = sessionCaller(app, await signIn(app, 'known@invite.local', 'known-password'));
  const me = (await known('/api/v1/auth/me')).json;
  assert.equal(me.invitations, 1);
  assert.deepEqual(me.workspaces, []);
  const mine = (await known('/api/v1/invitations/mine')).json.items;
  assert.equal(mine.length, 1);
  assert.deepEqual([mine[0].workspace.slug, mine[0].workspace.name, mine[0].role, mine[0].invitedBy.email], ['invite-shop', 'Магазин приглашений', 'editor', 'boss@invite.local']);

  // Nobody else may answer it: another user, or a token, gets 404 / 403.
  const store = app.services.store;
  await store.createUser({ email: 'stranger@invite.local', name: 'Stranger', passwordHash: await hashPassword('stranger-password') });
  const stranger = sessionCaller(app, await signIn(app, 'stranger@invite.local', 'stranger-password'));
  assert.equal((await stranger(`/api/v1/invitations/${mine[0].id}/accept`, { method: 'POST' })).status, 404);
  assert.deepEqual((await stranger('/api/v1/invitations/mine')).json.items, []);
  assert.equal((await app.api(`/api/v1/invitations/${mine[0].id}/accept`, { method: 'POST' })).status, 403);

  const accepted = await known(`/api/v1/invitations/${mine[0].id}/accept`, { method: 'POST' });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.json));
  assert.deepEqual([accepted.json.workspace.slug, accepted.json.role], ['invite-shop', 'editor']);
  assert.equal((await known('/api/v1/flows', inShop)).status, 200);
  assert.equal((await known('/api/v1/tokens', inShop)).status, 403, 'an editor, not an owner');
  assert.equal((await known(`/api/v1/invitations/${mine[0].id}/accept`, { method: 'POST' })).status, 404, 'used once');
  assert.equal((await known('/api/v1/auth/me')).json.invitations, 0);

  // A role change of a member stays direct.
  const promoted = await owner('/api/v1/members', { method: 'PUT', body: { email: 'known@invite.local', role: 'viewer' }, ...inShop });
  assert.deepEqual([promoted.status, promoted.json.role, promoted.json.invited], [200, 'viewer', undefined]);

  // An address without an account: usable once the operator creates the account.
  const later = await store.createUser({ email: 'unknown@invite.local', name: 'Later', passwordHash: await hashPassword('later-password') });
  const newcomer = sessionCaller(app, await signIn(app, 'unknown@invite.local', 'later-password'));
  const waiting = (await newcomer('/api/v1/invitations/mine')).json.items;
  assert.equal(waiting.length, 1);
  assert.equal((await newcomer(`/api/v1/invitations/${waiting[0].id}/decline`, { method: 'POST' })).status, 200);
  assert.deepEqual((await newcomer('/api/v1/invitations/mine')).json.items, []);
  assert.equal((await store.rolesOfUser(later.id)).size, 0, 'declining joins nothing');
});

test('owners list and revoke pending invitations; others cannot; a revoked one cannot be accepted', async () => {
  const invited = await owner('/api/v1/invitations', { body: { email: 'revoked@invite.local', role: 'viewer' }, ...inShop });
  const id = invited.json.invitation.id as string;
  const viewerToken = await app.createToken('invite-shop', 'viewer');
  assert.equal((await app.api('/api/v1/invitations', { token: viewerToken })).status, 403);
  assert.equal((await app.api(`/api/v1/invitations/${id}`, { method: 'DELETE', token: viewerToken })).status, 403);
  assert.equal((await app.api('/api/v1/invitations', { body: { email: 'x@invite.local', role: 'viewer' }, token: viewerToken })).status, 403);
  // Another workspace's owner does not find it.
  assert.equal((await app.api(`/api/v1/invitations/${id}`, { method: 'DELETE' })).status, 404);

  assert.equal((await owner(`/api/v1/invitations/${id}`, { method: 'DELETE', ...inShop })).status, 200);
  assert.equal((await owner(`/api/v1/invitations/${id}`, { method: 'DELETE', ...inShop })).status, 404);
  const store = app.services.store;
  await store.createUser({ email: 'revoked@invite.local', name: 'Revoked', passwordHash: await hashPassword('revoked-password') });
  const revoked = sessionCaller(app, await signIn(app, 'revoked@invite.local', 'revoked-password'));
  assert.deepEqual((await revoked('/api/v1/invitations/mine')).json.items, []);
  assert.equal((await revoked(`/api/v1/invitations/${id}/accept`, { method: 'POST' })).status, 404);
});

test('tokens: a role no higher than the creator\'s (token-made tokens too), for the current workspace only; a viewer token creates no workspace', async () => {
  const ownerToken = await app.createToken('invite-shop', 'owner');
  const made = await app.api('/api/v1/tokens', { body: { name: 'script', role: 'owner' }, token: ownerToken });
  assert.equal(made.status, 201);
  // The token-made token acts in the same workspace, and only there.
  const me = (await app.api('/api/v1/auth/me', { token: made.json.token })).json;
  assert.deepEqual(me.workspaces.map((w: { slug: string }) => w.slug), ['invite-shop']);
  assert.equal((await app.api('/api/v1/flows', { token: made.json.token, headers: { 'x-workspace': 'default' } })).status, 404);
  const elsewhere = await app.api('/api/v1/tokens', { body: { name: 'elsewhere', role: 'viewer' }, token: ownerToken, headers: { 'x-workspace': 'default' } });
  assert.equal(elsewhere.status, 404, 'a token names no other workspace');

  // Below owner, no token minting at all; above one's own role, refused.
  const editorToken = await app.createToken('invite-shop', 'editor');
  assert.equal((await app.api('/api/v1/tokens', { body: { name: 'up', role: 'owner' }, token: editorToken })).status, 403);
  assert.equal((await app.api('/api/v1/tokens', { body: { name: 'same', role: 'editor' }, token: editorToken })).status, 403);
  const viewerToken = await app.createToken('invite-shop', 'viewer');
  assert.equal((await app.api('/api/v1/tokens', { body: { name: 'up', role: 'editor' }, token: viewerToken })).status, 403);

  // A viewer's session makes no token, and its token no workspace.
  const store = app.services.store;
  const viewer = await store.createUser({ email: 'viewer@invite.local', name: 'Viewer', passwordHash: await hashPassword('viewer-password') });
  await store.setMember(shopId, viewer.id, 'viewer');
  const asViewer = sessionCaller(app, await signIn(app, 'viewer@invite.local', 'viewer-password'));
  assert.equal((await asViewer('/api/v1/tokens', { body: { name: 'mine', role: 'viewer' }, ...inShop })).status, 403);
  const byViewerToken = await app.api('/api/v1/workspaces', { body: { slug: 'viewer-made', name: 'Viewer made' }, token: viewerToken });
  assert.equal(byViewerToken.status, 403);
  assert.equal(await store.getWorkspaceBySlug('viewer-made'), undefined);
  const byOwnerToken = await app.api('/api/v1/workspaces', { body: { slug: 'token-made', name: 'Token made' }, token: ownerToken });
  assert.equal(byOwnerToken.status, 403);
  assert.match(byOwnerToken.json.message, /token/i);
});

test('an address invited before it had an account: the operator creates the account with the CLI (--no-member), the invitation is there after sign-in', async () => {
  await owner('/api/v1/invitations', { body: { email: 'later@invite.local', role: 'viewer' }, ...inShop });
  const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('node_modules/.bin/node', ['bin/svyazka.js', 'user', 'create', '--email', 'later@invite.local', '--password', 'later-password', '--no-member'], {
      env: { ...process.env, SVYAZKA_DATA_DIR: app.dataDir, SVYAZKA_PLANS_FILE: UNLIMITED_PLANS, LOG_LEVEL: 'silent', ...databaseEnvOf(app.dataDir) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).workspace, undefined, 'a member of nothing yet');
  const later = sessionCaller(app, await signIn(app, 'later@invite.local', 'later-password'));
  const me = (await later('/api/v1/auth/me')).json;
  assert.deepEqual([me.workspaces, me.invitations], [[], 1]);
  const [invitation] = (await later('/api/v1/invitations/mine')).json.items;
  assert.equal((await later(`/api/v1/invitations/${invitation.id}/accept`, { method: 'POST' })).status, 200);
  assert.deepEqual((await later('/api/v1/auth/me')).json.workspaces.map((w: { slug: string; role: string }) => [w.slug, w.role]), [['invite-shop', 'viewer']]);
});
