// The instance operator: only they change plans and balances (of any workspace), list every
// workspace and change the instance settings; the CLI manages operators; who may create a
// workspace; a trial's end does what the operator's setting says (injected clock).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { Migrator } from 'kysely';
import { join } from 'node:path';
import { hashPassword } from '../../src/api/auth.ts';
import { startEchoTarget } from '../../src/connectors/http/echo-target.ts';
import { migrations } from '../../src/store/migrations.ts';
import { startTestApp, tempDataDir, UNLIMITED_PLANS, waitFor, type TestApp } from '../support/app.ts';
import { databaseEnvOf, openTestStore } from '../support/database.ts';
import { asOperator, sessionCaller, signIn, type Call } from '../support/operator.ts';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.close());

async function user(email: string, opts: { memberOf?: string; role?: 'owner' | 'editor' | 'viewer' } = {}): Promise<Call> {
  const store = app.services.store;
  const created = await store.createUser({ email, name: email.split('@')[0], passwordHash: await hashPassword('user-password') });
  if (opts.memberOf) await store.setMember(opts.memberOf, created.id, opts.role ?? 'owner');
  return sessionCaller(app, await signIn(app, email, 'user-password'));
}

test('an owner cannot change the plan or the balance (403), still reads them; the operator can, in any workspace, member or not', async () => {
  const shop = await app.services.store.createWorkspace('billing-shop', 'Billing shop');
  const owner = await user('owner@billing.local', { memberOf: shop.id });
  const ownerToken = await app.createToken('billing-shop', 'owner');
  const asOwner = { workspace: 'billing-shop' };
  const changes = [
    ['/api/v1/billing/plan', 'PUT', { planId: 'unlimited' }],
    ['/api/v1/balance/top-up', 'POST', { amountKopecks: 100_00 }],
    ['/api/v1/balance/adjust', 'POST', { amountKopecks: 5_00, reason: 'goodwill' }],
  ] as const;
  for (const [path, method, body] of changes) {
    const bySession = await owner(path, { method, body, ...asOwner });
    assert.equal(bySession.status, 403, `${method} ${path} by an owner's session`);
    assert.match(bySession.json.message, /operator/);
    assert.equal((await app.api(path, { method, body, token: ownerToken })).status, 403, `${method} ${path} by an owner's token`);
  }
  for (const path of ['/api/v1/usage', '/api/v1/balance']) assert.equal((await owner(path, asOwner)).status, 200, path);
  assert.equal((await app.services.store.plans.listLedger(shop.id, 10)).length, 0, 'nothing was written');

  const operator = await asOperator(app);
  const me = await operator('/api/v1/auth/me');
  assert.equal(me.json.operator, true);
  assert.deepEqual(me.json.workspaces, [], 'the operator is a member of nothing here');
  assert.equal((await owner('/api/v1/auth/me')).json.operator, false);

  const topUp = await operator('/api/v1/balance/top-up', { body: { amountKopecks: 100_00 }, workspace: 'billing-shop' });
  assert.equal(topUp.status, 201, JSON.stringify(topUp.json));
  const adjust = await operator('/api/v1/balance/adjust', { body: { amountKopecks: -30_00, reason: 'refund' }, workspace: shop.id });
  assert.equal(adjust.status, 201, 'by id as well as by slug');
  const plan = await operator('/api/v1/billing/plan', { method: 'PUT', body: { planId: 'unlimited' }, workspace: 'billing-shop' });
  assert.equal(plan.status, 200);
  assert.equal((await operator('/api/v1/billing/plan', { method: 'PUT', body: { planId: 'nope' }, workspace: 'billing-shop' })).status, 400);
  assert.equal((await operator('/api/v1/balance/top-up', { body: { amountKopecks: 1 }, workspace: 'no-such-shop' })).status, 404);
  assert.equal((await owner('/api/v1/balance', asOwner)).json.balanceKopecks, 70_00, 'the owner sees what the operator did');
  // A token the operator makes is a workspace token like any other: no operator powers.
  const opMember = await asOperator(app, { memberOf: shop.id });
  const minted = await opMember('/api/v1/tokens', { body: { name: 'ops script', role: 'owner' }, workspace: 'billing-shop' });
  assert.equal(minted.status, 201);
  assert.equal((await app.api('/api/v1/balance/top-up', { body: { amountKopecks: 1 }, token: minted.json.token })).status, 403);
  assert.equal((await app.api('/api/v1/auth/me', { token: minted.json.token })).json.operator, false);
});

test("the operator's workspace list has every workspace with plan, trial, balance and members; nobody else gets it", async () => {
  const operator = await asOperator(app);
  await app.services.store.createWorkspace('listed-shop', 'Listed');
  const list = await operator('/api/v1/operator/workspaces');
  assert.equal(list.status, 200);
  const slugs = list.json.items.map((w: { slug: string }) => w.slug);
  for (const slug of ['default', 'billing-shop', 'listed-shop']) assert.ok(slugs.includes(slug), slug);
  const listed = list.json.items.find((w: { slug: string }) => w.slug === 'listed-shop');
  assert.equal(listed.plan.id, 'unlimited');
  assert.equal(listed.members, 0);
  assert.equal(listed.balanceKopecks, 0);
  assert.ok(Date.parse(listed.trialEndsAt) > Date.now(), 'a new workspace is on its trial');
  const billing = list.json.items.find((w: { slug: string }) => w.slug === 'billing-shop');
  assert.equal(billing.trialEndsAt, null, 'a chosen plan ends the trial');
  assert.ok(billing.members >= 1);

  const owner = await user('owner@listed.local', { memberOf: (await app.services.store.getWorkspaceBySlug('listed-shop'))!.id });
  for (const path of ['/api/v1/operator/workspaces', '/api/v1/operator/settings', '/api/v1/operator/operators']) {
    assert.equal((await owner(path)).status, 403, path);
    assert.equal((await app.api(path)).status, 403, `${path} by a token`);
  }
  assert.equal((await owner('/api/v1/operator/settings', { method: 'PATCH', body: { trialEnd: 'wait' } })).status, 403);
  const bad = await operator('/api/v1/operator/settings', { method: 'PATCH', body: { trialEnd: 'never' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.issues[0].path, 'body.trialEnd');
  const badPlan = await operator('/api/v1/operator/settings', { method: 'PATCH', body: { trialEndPlan: 'gold' } });
  assert.equal(badPlan.status, 400);
  assert.equal(badPlan.json.issues[0].path, 'body.trialEndPlan');
});

test('who creates workspaces: the only user may (auto); once a second user exists only operators; tokens never; the setting decides', async () => {
  const dataDir = tempDataDir();
  const fresh = await startTestApp({ dataDir });
  try {
    const store = fresh.services.store;
    const make = async (email: string) => {
      const u = await store.createUser({ email, name: email, passwordHash: await hashPassword('user-password') });
      return { id: u.id, call: sessionCaller(fresh, await signIn(fresh, email, 'user-password')) };
    };
    const first = await make('first@solo.local');
    assert.equal((await first.call('/api/v1/workspaces', { body: { slug: 'solo-shop', name: 'Solo' } })).status, 201, 'the only user of the instance');
    const second = await make('second@solo.local');
    const refused = await second.call('/api/v1/workspaces', { body: { slug: 'second-shop', name: 'Second' } });
    assert.equal(refused.status, 403);
    assert.match(refused.json.message, /operator/);
    assert.equal((await first.call('/api/v1/workspaces', { body: { slug: 'first-again', name: 'Again' } })).status, 403, 'not an operator either');

    const ownerToken = await fresh.createToken('solo-shop', 'owner');
    const byToken = await fresh.api('/api/v1/workspaces', { body: { slug: 'token-shop', name: 'Token' }, token: ownerToken });
    assert.equal(byToken.status, 403);
    assert.match(byToken.json.message, /token/i);

    const operator = await asOperator(fresh);
    assert.equal((await operator('/api/v1/workspaces', { body: { slug: 'ops-shop', name: 'Ops' } })).status, 201);
    const opened = await operator('/api/v1/operator/settings', { method: 'PATCH', body: { workspaceCreation: 'anyone' } });
    assert.equal(opened.status, 200);
    assert.equal(opened.json.workspaceCreation, 'anyone');
    assert.equal((await second.call('/api/v1/workspaces', { body: { slug: 'second-shop', name: 'Second' } })).status, 201);
    assert.equal((await fresh.api('/api/v1/workspaces', { body: { slug: 'token-shop', name: 'Token' }, token: ownerToken })).status, 403, 'tokens never, whatever the setting');
    await operator('/api/v1/operator/settings', { method: 'PATCH', body: { workspaceCreation: 'operators' } });
    assert.equal((await second.call('/api/v1/workspaces', { body: { slug: 'second-again', name: 'Again' } })).status, 403);
    assert.equal(await store.getWorkspaceBySlug('token-shop'), undefined);
  } finally {
    await fresh.close();
  }
});

function cli(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('node_modules/.bin/node', ['bin/svyazka.js', ...args], {
      env: { ...process.env, SVYAZKA_DATA_DIR: dataDir, SVYAZKA_PLANS_FILE: UNLIMITED_PLANS, LOG_LEVEL: 'silent', ...databaseEnvOf(dataDir) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

test('CLI: operator add / list / remove (never the last one), settings get / set — and a session sees the change', async () => {
  const dataDir = tempDataDir();
  const other = await startTestApp({ dataDir });
  try {
    const store = other.services.store;
    const first = await store.createUser({ email: 'first@cli.local', name: 'First', passwordHash: await hashPassword('user-password') });
    await store.access.addOperator(first.id, Date.now());
    await store.createUser({ email: 'helper@cli.local', name: 'Helper', passwordHash: await hashPassword('user-password') });
    const helper = sessionCaller(other, await signIn(other, 'helper@cli.local', 'user-password'));
    assert.equal((await helper('/api/v1/auth/me')).json.operator, false);

    const added = await cli(dataDir, 'operator', 'add', 'helper@cli.local');
    assert.equal(added.code, 0, added.stderr);
    const listed = await cli(dataDir, 'operator', 'list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).map((o: { email: string }) => o.email).sort(), ['first@cli.local', 'helper@cli.local']);
    assert.equal((await helper('/api/v1/auth/me')).json.operator, true, 'the same session, operator now');
    assert.equal((await helper('/api/v1/operator/workspaces')).status, 200);

    const unknown = await cli(dataDir, 'operator', 'add', 'nobody@cli.local');
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /No user nobody@cli\.local/);
    assert.equal((await cli(dataDir, 'operator', 'remove', 'first@cli.local')).code, 0);
    const last = await cli(dataDir, 'operator', 'remove', 'helper@cli.local');
    assert.notEqual(last.code, 0, 'the last operator stays');
    assert.match(last.stderr, /last operator/);
    assert.deepEqual((await store.access.listOperators()).map((o) => o.email), ['helper@cli.local']);

    const set = await cli(dataDir, 'settings', 'set', 'trialEnd', 'wait');
    assert.equal(set.code, 0, set.stderr);
    assert.equal(JSON.parse((await cli(dataDir, 'settings', 'get')).stdout).trialEnd, 'wait');
    const wrong = await cli(dataDir, 'settings', 'set', 'trialEnd', 'sometimes');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /trialEnd/);
    await waitFor(async () => (await helper('/api/v1/operator/settings')).json.trialEnd === 'wait', 15_000, 'the server to read the setting the CLI wrote');
  } finally {
    await other.close();
  }
});

test("a trial's end (injected clock): by default the workspace drops to the cheapest plan; with `wait` its executions wait and webhooks get 429 until the operator picks a plan", async () => {
  const echo = await startEchoTarget();
  const dir = tempDataDir();
  const plansFile = join(dir, 'plans.json');
  const plan = (id: string, transactions: number) => ({ id, label: id, transactionsPerMonth: transactions, ordersPerMonth: 1, webhooksPerMonth: 100_000, historyDays: 7, webhooksPerSecond: 1000, marketplaceParsingDays: 5 });
  writeFileSync(plansFile, JSON.stringify({ trialPlan: 'trial', trialDays: 30, plans: [plan('trial', 5000), plan('small', 1000), plan('big', 100_000)] }));
  const trialApp = await startTestApp({ dataDir: dir, config: { plansFile } });
  const plans = trialApp.services.plans;
  const day = 86_400_000;
  try {
    const operator = await asOperator(trialApp);
    const settings = (await operator('/api/v1/operator/settings')).json;
    assert.deepEqual([settings.trialEnd, settings.trialEndPlan, settings.trialEndPlanEffective], ['downgrade', null, 'small'], 'the default: drop to the cheapest plan');

    // Default: 31 days on, the workspace is on 'small'.
    const dropToken = await trialApp.createToken('drop-shop', 'owner');
    const before = (await trialApp.api('/api/v1/usage', { token: dropToken })).json;
    assert.equal(before.plan.id, 'trial');
    const started = Date.now();
    plans.now = () => started + 31 * day;
    const dropped = (await trialApp.api('/api/v1/usage', { token: dropToken })).json;
    assert.deepEqual([dropped.plan.id, dropped.trialEndsAt, dropped.trialEnded], ['small', null, false]);
    const listed = (await operator('/api/v1/operator/workspaces')).json.items.find((w: { slug: string }) => w.slug === 'drop-shop');
    assert.equal(listed.plan.id, 'small');

    // `wait`: a webhook received during the trial, replayed after its end, waits with the reason.
    plans.now = Date.now;
    assert.equal((await operator('/api/v1/operator/settings', { method: 'PATCH', body: { trialEnd: 'wait' } })).status, 200);
    const token = await trialApp.createToken('wait-shop', 'owner');
    await trialApp.api('/api/v1/connections', { token, body: { name: 'echo', connector: 'http', auth: { baseUrl: echo.baseUrl } } });
    const flow = await trialApp.api('/api/v1/flows', {
      token,
      body: { name: 'hit', enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'hit', type: 'action', connector: 'http', action: 'request', connection: 'echo', input: { method: 'POST', url: '/trial' } }] },
    });
    assert.equal(flow.status, 201, JSON.stringify(flow.json));
    const hook = flow.json.webhookUrl.replace(trialApp.services.config.publicUrl, trialApp.url) as string;
    assert.equal((await fetch(hook, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status, 200);
    await waitFor(async () => (await trialApp.api('/api/v1/executions?status=succeeded', { token })).json.items.length === 1, 15_000, 'the run during the trial');
    const webhookId = (await trialApp.api('/api/v1/webhooks', { token })).json.items[0].id;

    plans.now = () => Date.now() + 31 * day;
    const refused = await fetch(hook, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    const answer = (await refused.json()) as { message: string; messageRu: string };
    assert.match(answer.message, /trial has ended/);
    assert.match(answer.messageRu, /Пробный период закончился/);
    const usage = (await trialApp.api('/api/v1/usage', { token })).json;
    assert.deepEqual([usage.plan.id, usage.trialEnded], ['trial', true]);

    const replay = await trialApp.api(`/api/v1/webhooks/${webhookId}/replay`, { method: 'POST', token });
    assert.equal(replay.status, 201, JSON.stringify(replay.json));
    const waiting = await waitFor(async () => {
      const e = (await trialApp.api(`/api/v1/executions/${replay.json.id}`, { token })).json;
      return e.status === 'quota_exceeded' ? e : undefined;
    }, 15_000, 'the replay to wait');
    assert.match(JSON.stringify(waiting), /trial has ended/);
    assert.equal(echo.received().filter((r) => r.path === '/trial').length, 1, 'no request after the trial');

    // The operator picks a plan: the waiting execution runs, webhooks are taken again.
    assert.equal((await operator('/api/v1/billing/plan', { method: 'PUT', body: { planId: 'big' }, workspace: 'wait-shop' })).status, 200);
    await waitFor(async () => (await trialApp.api(`/api/v1/executions/${replay.json.id}`, { token })).json.status === 'succeeded', 15_000, 'the replay to run');
    assert.equal((await fetch(hook, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status, 200);
  } finally {
    plans.now = Date.now;
    await trialApp.close();
    await echo.close();
  }
});

test('an install older than operators: migration 0005_access makes its earliest user the operator, nobody else', async () => {
  const dir = tempDataDir();
  const store = await openTestStore(dir, { migrate: false });
  try {
    const older = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0005_access'));
    const { error } = await new Migrator({ db: store.db.kysely, provider: { getMigrations: async () => older } }).migrateToLatest();
    assert.equal(error, undefined);
    const users = [
      { id: 'usr_second', email: 'second@old.local', name: 'Second', password_hash: 'x', created_at: 2_000 },
      { id: 'usr_first', email: 'first@old.local', name: 'First', password_hash: 'x', created_at: 1_000 },
      { id: 'usr_third', email: 'third@old.local', name: 'Third', password_hash: 'x', created_at: 3_000 },
    ];
    await store.db.kysely.insertInto('users').values(users).execute();
    await store.migrate();
    assert.deepEqual((await store.access.listOperators()).map((o) => o.email), ['first@old.local']);
    assert.equal(await store.access.isOperator('usr_second'), false);
  } finally {
    await store.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
