// Changes made by another process on the same data dir — the real `svyazka` CLI, or a script
// opening the store — reach a running server through the change feed: a plan change resumes
// executions waiting for quota, an imported cron flow starts, a disabled or deleted flow stops, a
// changed connection is used by the next execution. Effects are awaited with generous bounds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { startEchoTarget } from '../../src/connectors/http/echo-target.ts';
import { ChangeFeed } from '../../src/engine/change-feed.ts';
import { startTestApp, tempDataDir, waitFor, type TestApp } from '../support/app.ts';
import { databaseEnvOf, openTestStore } from '../support/database.ts';

type Echo = Awaited<ReturnType<typeof startEchoTarget>>;

const BIN = new URL('../../bin/svyazka.js', import.meta.url).pathname;
const APP = new URL('../../src/app.ts', import.meta.url).pathname;
const CONFIG = new URL('../../src/config.ts', import.meta.url).pathname;
const BOUND = 30_000;

let app: TestApp;
let echo: Echo;
let echo2: Echo;
let plansFile: string;
let filesDir: string;

const plan = (id: string, transactions: number) => ({
  id, label: id, transactionsPerMonth: transactions, ordersPerMonth: Math.max(1, Math.ceil(transactions / 3)), webhooksPerMonth: 1_000_000,
  historyDays: 30, webhooksPerSecond: 1000, marketplaceParsingDays: 5,
});

before(async () => {
  echo = await startEchoTarget();
  echo2 = await startEchoTarget();
  filesDir = tempDataDir();
  plansFile = join(filesDir, 'plans.json');
  writeFileSync(plansFile, JSON.stringify({ trialPlan: 'big', plans: [plan('one', 1), plan('big', 1_000_000)] }));
  app = await startTestApp({ config: { plansFile } });
});
after(async () => {
  await app.close();
  await echo.close();
  await echo2.close();
});

function env(): NodeJS.ProcessEnv {
  return { ...process.env, SVYAZKA_DATA_DIR: app.dataDir, SVYAZKA_PLANS_FILE: plansFile, LOG_LEVEL: 'silent', SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1,::1', ...databaseEnvOf(app.dataDir) };
}

/** Runs a child process to its end without blocking this one (the server runs in it). */
function child(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env: env(), timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as NodeJS.ErrnoException & { code?: unknown }).code ?? 1) || 1 : 0, stdout, stderr });
    });
  });
}

async function cli(...args: string[]) {
  const res = await child([BIN, ...args]);
  assert.equal(res.code, 0, `svyazka ${args.join(' ')}: ${res.stderr}`);
  return res.stdout;
}

/** A second process that opens the data dir itself (no CLI command for it) and runs `body`. */
async function script(body: string) {
  const code = `import { openServices } from ${JSON.stringify(APP)}; import { loadConfig } from ${JSON.stringify(CONFIG)};
const s = await openServices(loadConfig()); try { ${body} } finally { await s.store.close(); }`;
  const res = await child(['--input-type=module', '-e', code]);
  assert.equal(res.code, 0, res.stderr);
  return res.stdout;
}

async function importFlow(workspace: string, flow: object): Promise<{ id: string }> {
  const file = join(filesDir, `flow-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(flow));
  return JSON.parse(await cli('flow', 'import', file, '--workspace', workspace));
}

async function executions(token: string, query: string): Promise<Array<{ id: string; status: string }>> {
  const res = await app.api(`/api/v1/executions?limit=100&${query}`, { token });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return res.json.items;
}

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function hookFlow(token: string, name: string, connection: string, path: string): Promise<string> {
  const flow = await app.api('/api/v1/flows', {
    token,
    body: { name, enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'hit', type: 'action', connector: 'http', action: 'request', connection, input: { method: 'POST', url: path, body: { n: '{{trigger.n}}' } } }] },
  });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  return (flow.json.webhookUrl as string).replace(app.services.config.publicUrl, app.url);
}

const cronFlow = (name: string, cron: string, enabled = true) => ({
  name, enabled, trigger: { connector: 'schedule', event: 'cron', options: { cron, timezone: 'UTC' } }, steps: [{ id: 'v', type: 'set', values: { at: '{{trigger.firedAt}}' } }],
});

test('plan set by the CLI while the server runs: the execution waiting for quota runs to success', async () => {
  const token = await app.createToken('quota');
  const wsId = (await app.services.store.getWorkspaceBySlug('quota'))!.id;
  await app.services.plans.changePlan(wsId, 'one');
  const conn = await app.api('/api/v1/connections', { token, body: { name: 'echo', connector: 'http', auth: { baseUrl: echo.baseUrl } } });
  assert.equal(conn.status, 201, JSON.stringify(conn.json));
  const url = await hookFlow(token, 'quota', 'echo', '/quota');
  for (const n of [1, 2]) assert.equal((await post(url, { n })).status, 200);
  await waitFor(async () => {
    const statuses = (await executions(token, '')).map((e) => e.status).sort();
    return statuses.join() === 'quota_exceeded,succeeded';
  }, BOUND, 'one success and one execution waiting for quota');

  const out = JSON.parse(await cli('plan', 'set', 'big', '--workspace', 'quota'));
  assert.equal(out.plan.id, 'big');

  await waitFor(async () => (await executions(token, 'status=succeeded')).length === 2, BOUND, 'the waiting execution to succeed after the CLI upgrade');
  assert.equal(echo.received().filter((r) => r.path === '/quota').length, 2);
  assert.equal(app.services.plans.planOf(wsId).id, 'big', 'the server sees the new plan');
});

test('a cron flow imported by the CLI fires; disabled by the CLI, it stops', async () => {
  const flow = await importFlow('default', cronFlow('every second', '* * * * * *'));
  await waitFor(async () => (await executions(app.token, `flowId=${flow.id}&status=succeeded`)).length > 0, BOUND, 'the imported cron flow to fire');

  await importFlow('default', cronFlow('every second', '* * * * * *', false));
  // A firing already under way may still land; after that, nothing more.
  await waitFor(() => !app.scheduler.isArmed(flow.id), BOUND, 'the disabled flow to lose its timer');
  await new Promise((r) => setTimeout(r, 1500));
  const settled = (await executions(app.token, `flowId=${flow.id}`)).length;
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal((await executions(app.token, `flowId=${flow.id}`)).length, settled, 'no executions after the flow was disabled');
});

test('a flow disabled by the CLI, and one deleted by a second process, lose their timers at once', async () => {
  // Due once a year: without the change feed these timers would sit for months.
  const yearly = cronFlow('yearly', '0 0 1 1 *');
  const flow = await importFlow('default', yearly);
  await waitFor(() => app.scheduler.isArmed(flow.id), BOUND, 'the imported flow to be armed');
  await importFlow('default', { ...yearly, enabled: false });
  await waitFor(() => !app.scheduler.isArmed(flow.id), BOUND, 'the disabled flow to be disarmed');
  await importFlow('default', yearly);
  await waitFor(() => app.scheduler.isArmed(flow.id), BOUND, 'the re-enabled flow to be armed again');

  await script(`const ws = await s.store.getWorkspaceBySlug('default'); if (!(await s.flows.remove(ws.id, ${JSON.stringify(flow.id)}))) throw new Error('not deleted');`);
  await waitFor(() => !app.scheduler.isArmed(flow.id), BOUND, 'the deleted flow to be disarmed');
  assert.equal(await app.services.store.getFlow(app.workspaceId, flow.id), undefined);
});

test('a connection changed by the CLI is used by the very next execution', async () => {
  const conn = await app.api('/api/v1/connections', { body: { name: 'target', connector: 'http', auth: { baseUrl: echo.baseUrl } } });
  assert.equal(conn.status, 201, JSON.stringify(conn.json));
  const url = await hookFlow(app.token, 'moving target', 'target', '/moving');
  const runOnce = async (n: number) => {
    const { id } = (await (await post(url, { n })).json()) as { id: string };
    return waitFor(async () => (await executions(app.token, `webhookId=${id}&status=succeeded`))[0], BOUND, `execution ${n}`);
  };
  await runOnce(1); // the connection is now opened and cached by the server
  assert.equal(echo.received().filter((r) => r.path === '/moving').length, 1);

  await cli('connection', 'add', '--name', 'target', '--connector', 'http', '--auth', JSON.stringify({ baseUrl: echo2.baseUrl }));
  const written = await app.services.store.changes.lastSeq();
  await waitFor(() => app.changeFeed.position >= written, BOUND, 'the server to read the change');
  await runOnce(2);
  assert.equal(echo2.received().filter((r) => r.path === '/moving').length, 1, 'the second execution went to the new address');
  assert.equal(echo.received().filter((r) => r.path === '/moving').length, 1, 'and not to the old one');
});

test("this process's own flow change, heard again from the feed, leaves the flow's timer alone", async () => {
  const res = await app.api('/api/v1/flows', { body: cronFlow('own change', '0 0 1 1 *') });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  const timers = (app.scheduler as unknown as { timers: Map<string, NodeJS.Timeout> }).timers;
  const armed = timers.get(res.json.id);
  assert.ok(armed, 'armed by the save itself');
  const written = await app.services.store.changes.lastSeq();
  await waitFor(() => app.changeFeed.position >= written, BOUND, 'the server to read its own change');
  assert.equal(timers.get(res.json.id), armed, 'the same timer, not disarmed and armed again');
});

test('a second server on the same data (web role) saves and deletes a flow; the worker server arms and disarms it', async () => {
  const web = await startTestApp({ dataDir: app.dataDir, token: app.token, config: { plansFile, role: 'web' } });
  try {
    const res = await web.api('/api/v1/flows', { body: cronFlow('from the web server', '0 0 1 1 *') });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    await waitFor(() => app.scheduler.isArmed(res.json.id), BOUND, 'the worker to arm the flow saved by the web server');
    assert.equal(web.scheduler.isArmed(res.json.id), false, 'a web-role server runs no timers');
    assert.equal((await web.api(`/api/v1/flows/${res.json.id}`, { method: 'DELETE' })).status, 200);
    await waitFor(() => !app.scheduler.isArmed(res.json.id), BOUND, 'the worker to disarm the flow deleted by the web server');
  } finally {
    await web.stop();
  }
});

test('instance settings changed by the CLI are the running server\'s once it has read the feed', async () => {
  assert.equal((await app.services.settings.get()).trialEnd, 'downgrade'); // now cached by the server
  await cli('settings', 'set', 'trialEnd', 'wait');
  const written = await app.services.store.changes.lastSeq();
  await waitFor(() => app.changeFeed.position >= written, BOUND, 'the server to read the change');
  assert.equal((await app.services.settings.get()).trialEnd, 'wait');
  await cli('settings', 'set', 'trialEnd', 'downgrade');
});

test('the feed has no rows for webhooks and executions, and old rows are pruned', async () => {
  const before_ = await app.services.store.changes.lastSeq();
  const url = await hookFlow(app.token, 'quiet', 'target', '/quiet');
  const afterFlow = await app.services.store.changes.lastSeq();
  assert.ok(afterFlow > before_, 'saving a flow is a change');
  const { id } = (await (await post(url, { n: 1 })).json()) as { id: string };
  await waitFor(async () => (await executions(app.token, `webhookId=${id}&status=succeeded`))[0], BOUND, 'the execution');
  assert.equal(await app.services.store.changes.lastSeq(), afterFlow, 'a webhook and its execution add nothing to the feed');

  const rows = await app.services.store.changes.since(0, 100_000);
  assert.ok(rows.length > 0);
  assert.equal(await app.services.store.changes.prune(Date.now() + 1), rows.length);
  assert.deepEqual(await app.services.store.changes.since(0, 10), []);
  assert.equal(await app.services.store.changes.lastSeq(), afterFlow, 'seq numbers are never handed out again after a prune');
});

test('the feed reader: each changed thing once per read, and a resync when rows it had not read were pruned', async () => {
  const store = await openTestStore(tempDataDir());
  const ws = await store.ensureWorkspace('w', 'w');
  const calls: string[] = [];
  const feed = new ChangeFeed({
    store: store.changes,
    logger: pino({ level: 'silent' }),
    intervalMs: 3_600_000, // read only when the test says so
    handlers: {
      flow: async (_ws, id) => void calls.push(`flow ${id}`),
      connection: async (id) => void calls.push(`connection ${id === ws.id}`),
      billing: async (id) => void calls.push(`billing ${id === ws.id}`),
      settings: async () => void calls.push('settings'),
      resync: async () => void calls.push('resync'),
    },
  });
  try {
    await feed.start();
    const flow = { id: 'fl_a', workspaceId: ws.id, name: 'a', enabled: true, definition: {}, hookToken: null };
    await store.saveFlow(flow);
    await store.setFlowEnabled(ws.id, 'fl_a', false);
    await store.saveConnection({ id: 'con_a', workspaceId: ws.id, name: 'c', connector: 'http', publicConfig: {}, sealedAuth: 'x' });
    await store.deleteConnection(ws.id, 'con_a');
    await store.plans.ensureBilling({ workspaceId: ws.id, planId: 'p', trialEndsAt: null, planChangedAt: 1, createdAt: 1 });
    await store.plans.appendLedger([{ id: 'led_a', workspaceId: ws.id, kind: 'top_up', amountKopecks: 100, reason: 'r', actor: 'a', createdAt: 1 }]);
    await store.deleteFlow(ws.id, 'fl_a');
    await store.access.writeSettings({ trialEnd: 'wait', workspaceCreation: 'operators' }, 1);
    assert.equal(await feed.poll(), 9);
    assert.deepEqual(calls, ['flow fl_a', 'connection true', 'billing true', 'settings']);
    assert.equal(await feed.poll(), 0);
    assert.equal(calls.length, 4);

    await store.saveFlow({ ...flow, id: 'fl_b', name: 'b' });
    await store.changes.prune(Date.now() + 1000); // fl_b's row goes before this reader saw it
    await store.saveFlow({ ...flow, id: 'fl_c', name: 'c' });
    assert.equal(await feed.poll(), 1);
    assert.deepEqual(calls.slice(4), ['resync']);
  } finally {
    await feed.stop();
    await store.drop();
  }
});
