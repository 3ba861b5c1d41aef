// Disk usage per workspace (/usage `storage`) and a plan's disk limit (historyBytes), on a real app:
// webhooks through /hooks, executions run against a local echo service, the measure and the limit
// run by the retention pass itself. SQLite, or PostgreSQL with SVYAZKA_TEST_DATABASE_URL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEchoTarget } from '../../src/connectors/http/echo-target.ts';
import { bytes, enforceDiskLimits } from '../../src/plans/disk-limit.ts';
import { pruneOnce } from '../../src/plans/retention.ts';
import { HOUR_MS, hoursToMeasure } from '../../src/plans/storage-usage.ts';
import type { StorageHour } from '../../src/store/types.ts';
import { startTestApp, tempDataDir, waitFor, type TestApp } from '../support/app.ts';
import { databaseEnvOf } from '../support/database.ts';

const LIMIT = 40 * 1024;
const plan = (id: string, extra: Record<string, unknown> = {}) => ({
  id, label: id, transactionsPerMonth: 1_000_000, ordersPerMonth: 333_333, webhooksPerMonth: 1_000_000,
  historyDays: 30, webhooksPerSecond: 10_000, marketplaceParsingDays: 5, ...extra,
});

const BIN = new URL('../../bin/svyazka.js', import.meta.url).pathname;
let app: TestApp;
let plansFile: string;
let echo: Awaited<ReturnType<typeof startEchoTarget>>;

before(async () => {
  echo = await startEchoTarget();
  const dir = tempDataDir();
  plansFile = join(dir, 'plans.json');
  writeFileSync(plansFile, JSON.stringify({ trialPlan: 'roomy', plans: [plan('roomy'), plan('small', { historyBytes: LIMIT })] }));
  app = await startTestApp({ dataDir: dir, config: { plansFile } });
});
after(async () => {
  await app.close();
  await echo.close();
});

async function flowIn(token: string, name: string, steps: unknown[]): Promise<string> {
  const flow = await app.api('/api/v1/flows', { token, body: { name, enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps } });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  return flow.json.webhookUrl.replace(app.services.config.publicUrl, app.url) as string;
}

async function echoConnection(token: string): Promise<void> {
  const res = await app.api('/api/v1/connections', { token, body: { name: 'echo', connector: 'http', auth: { baseUrl: echo.baseUrl } } });
  assert.equal(res.status, 201, JSON.stringify(res.json));
}

const hit = (path: string) => ({ id: 'hit', type: 'action', connector: 'http', action: 'request', connection: 'echo', input: { method: 'POST', url: path, body: { n: '{{trigger.n}}' } } });

async function post(url: string, n: number): Promise<string> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n, pad: 'x'.repeat(300) }) });
  assert.equal(res.status, 200);
  return ((await res.json()) as { id: string }).id;
}

async function executionsOf(token: string, status: string): Promise<Array<{ id: string; webhookId: string }>> {
  return (await app.api(`/api/v1/executions?status=${status}&limit=200`, { token })).json.items;
}

const storageOf = async (token: string) => (await app.api('/api/v1/usage', { token })).json.storage;

test('/usage reports the bytes of history, journals and the data store per workspace, measured off the write path', async () => {
  const token = app.token;
  const otherToken = await app.createToken('quiet');
  await echoConnection(token);
  const url = await flowIn(token, 'measured', [hit('/hit')]);
  const before = await storageOf(token);
  assert.deepEqual(before, { historyBytes: 0, journalBytes: 0, storeBytes: 0, totalBytes: 0, limitBytes: null, measuredAt: null });

  for (let n = 0; n < 20; n++) await post(url, n);
  await waitFor(async () => (await executionsOf(token, 'succeeded')).length === 20, 60_000, '20 executions');
  // Nothing is counted at intake or in the journal: the numbers move only when the measure runs.
  assert.equal((await storageOf(token)).historyBytes, 0);
  await pruneOnce(app.services);
  const first = await storageOf(token);
  assert.ok(first.historyBytes > 20 * 500, JSON.stringify(first));
  assert.ok(first.journalBytes > 20 * 100, JSON.stringify(first));
  assert.equal(first.totalBytes, first.historyBytes + first.journalBytes + first.storeBytes);
  assert.ok(Date.parse(first.measuredAt) <= Date.now());

  for (let n = 20; n < 40; n++) await post(url, n);
  await waitFor(async () => (await executionsOf(token, 'succeeded')).length === 40, 60_000, '40 executions');
  await pruneOnce(app.services);
  const second = await storageOf(token);
  // Twice the same webhooks, about twice the bytes (ids and times differ a little).
  assert.ok(Math.abs(second.historyBytes / first.historyBytes - 2) < 0.1, `${first.historyBytes} → ${second.historyBytes}`);
  assert.ok(Math.abs(second.journalBytes / first.journalBytes - 2) < 0.1, `${first.journalBytes} → ${second.journalBytes}`);

  // The data store's bytes come from its own count, at once.
  const put = await app.api('/api/v1/collections/customers/records/c1', { method: 'PUT', token, body: { value: { name: 'Ирина', phone: '+79161234567' } } });
  assert.equal(put.status, 200, JSON.stringify(put.json));
  const withStore = await storageOf(token);
  assert.ok(withStore.storeBytes > 20, JSON.stringify(withStore));
  assert.equal(withStore.totalBytes, second.historyBytes + second.journalBytes + withStore.storeBytes);

  // Another workspace's numbers stay its own: measured, and empty.
  const quiet = await storageOf(otherToken);
  assert.equal(quiet.historyBytes, 0);
  assert.equal(quiet.journalBytes, 0);
  assert.equal(quiet.storeBytes, 0);
  assert.notEqual(quiet.measuredAt, null);

  // The CLI says the same, Russian first.
  const cli = spawnSync(process.execPath, [BIN, 'plan', 'usage', '--workspace', 'default'], {
    env: { ...process.env, SVYAZKA_DATA_DIR: app.dataDir, SVYAZKA_PLANS_FILE: plansFile, LOG_LEVEL: 'silent', ...databaseEnvOf(app.dataDir) },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(cli.status, 0, cli.stderr);
  assert.ok(cli.stdout.includes(`Место на диске: история ${bytes(second.historyBytes, 'ru')}, журналы ${bytes(second.journalBytes, 'ru')}, хранилище ${bytes(withStore.storeBytes, 'ru')}`), cli.stdout);
  assert.match(cli.stdout, /Disk: history [\d.]+ KB, journals [\d.]+ KB, data store \d+ B; total [\d.]+ KB \(measured \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/);
});

test("a plan's historyBytes: retention deletes the oldest finished history until under it, keeps what may still run, warns at 80 and 100 %", async () => {
  const token = await app.createToken('limited');
  const ws = (await app.services.store.getWorkspaceBySlug('limited'))!;
  await app.services.plans.changePlan(ws.id, 'small');
  await echoConnection(token);
  const waits = await flowIn(token, 'waits', [{ id: 'wait', type: 'delay', seconds: 3600 }, hit('/later')]);
  const broken = await flowIn(token, 'broken', [hit('/status/400')]);
  const ok = await flowIn(token, 'ok', [hit('/hit')]);
  // The oldest two may still run: one waits an hour, one failed (a person may retry it).
  const waitingHook = await post(waits, 0);
  await waitFor(async () => (await executionsOf(token, 'waiting')).length === 1, 60_000, 'a waiting execution');
  const failedHook = await post(broken, 0);
  await waitFor(async () => (await executionsOf(token, 'failed')).length === 1, 60_000, 'a failed execution');
  const okHooks: string[] = [];
  for (let n = 1; n <= 60; n++) okHooks.push(await post(ok, n));
  await waitFor(async () => (await executionsOf(token, 'succeeded')).length === 60, 60_000, '60 executions');
  const defaultHistory = (await storageOf(app.token)).historyBytes;

  await pruneOnce(app.services);
  const storage = await storageOf(token);
  assert.equal(storage.limitBytes, LIMIT);
  assert.ok(storage.historyBytes + storage.journalBytes <= LIMIT, JSON.stringify(storage));
  assert.ok(storage.historyBytes + storage.journalBytes > LIMIT / 2, `pruned no more than needed: ${JSON.stringify(storage)}`);

  // The oldest finished ones went, the newest stayed: what is left of them is a tail.
  const kept = new Set(((await app.api('/api/v1/webhooks?limit=200', { token })).json.items as Array<{ id: string }>).map((w) => w.id));
  const keptOk = okHooks.map((id) => kept.has(id));
  const firstKept = keptOk.indexOf(true);
  assert.ok(firstKept > 0, 'some of the oldest went');
  assert.ok(keptOk.slice(firstKept).every(Boolean), `the newest stay: ${keptOk.map((k) => (k ? 1 : 0)).join('')}`);
  const succeeded = await executionsOf(token, 'succeeded');
  assert.deepEqual(succeeded.map((e) => e.webhookId).sort(), okHooks.slice(firstKept).sort(), 'executions go with their webhooks');

  // What may still run is whole: its webhook, its execution, its journal.
  assert.ok(kept.has(waitingHook) && kept.has(failedHook));
  for (const status of ['waiting', 'failed']) {
    const [execution] = await executionsOf(token, status);
    const detail = (await app.api(`/api/v1/executions/${execution.id}`, { token })).json;
    assert.ok(detail.steps.length >= 1, `${status} keeps its journal`);
    assert.deepEqual(detail.trigger?.n ?? detail.execution?.trigger?.n, 0, `${status} keeps its trigger`);
  }

  const notes = (await app.api('/api/v1/notifications', { token })).json.items as Array<{ kind: string; threshold: number; messageRu: string; messageEn: string }>;
  const disk = notes.filter((n) => n.kind === 'disk').sort((a, b) => a.threshold - b.threshold);
  assert.deepEqual(disk.map((n) => n.threshold), [80, 100]);
  for (const n of disk) {
    assert.ok(n.messageRu.includes(bytes(LIMIT, 'ru')), n.messageRu);
    assert.ok(n.messageEn.includes(bytes(LIMIT, 'en')), n.messageEn);
  }
  assert.match(disk[1].messageRu, /вебхуки принимаются как обычно/);

  // Webhooks are never refused for disk; the next pass measures what the limit left and deletes nothing more.
  await post(ok, 61);
  await waitFor(async () => (await executionsOf(token, 'succeeded')).length === succeeded.length + 1, 60_000, 'one more execution');
  const again = await enforceDiskLimits(app.services);
  assert.ok(again.webhooks <= 2 && again.executions <= 2, `only what the new webhook added: ${JSON.stringify(again)}`);
  const after_ = await storageOf(token);
  assert.ok(after_.historyBytes + after_.journalBytes <= LIMIT, JSON.stringify(after_));
  // Other workspaces are not touched by this one's limit.
  assert.ok((await storageOf(app.token)).historyBytes >= defaultHistory);
});

test('which hours a pass measures: new and settling ones, those crossing the retention boundary, a few of the stalest', () => {
  const now = Date.UTC(2026, 11, 1, 12, 30);
  const current = Date.UTC(2026, 11, 1, 12);
  const hour = (ago: number) => current - ago * HOUR_MS;
  const known = (measuredAt: (ago: number) => number): StorageHour[] =>
    Array.from({ length: 80 }, (_, i) => 79 - i).map((ago) => ({ workspaceId: 'w', hour: hour(ago), historyBytes: 1, journalBytes: 1, version: 1, measuredAt: measuredAt(ago) }));
  const due = (hours: StorageHour[], historyDays: number) => hoursToMeasure({ known: hours, oldest: hour(79), now, historyDays }).map((x) => (current - x) / HOUR_MS);

  // Everything measured a minute ago, 3 days kept: the current hour and the two before it may still
  // change; 72–74 hours ago are crossing the boundary now (the prune is emptying them).
  const fresh = known(() => now - 60_000);
  assert.deepEqual(due(fresh, 3), [74, 73, 72, 2, 1, 0]);
  // An hour measured before it crossed is read again once the prune has been through it.
  assert.deepEqual(due(fresh.map((h) => (h.hour === hour(76) ? { ...h, measuredAt: now - 2 * 86_400_000 } : h)), 3), [76, 74, 73, 72, 2, 1, 0]);

  // Each hour measured 3 hours after it ended (settled): those last measured over 12 hours ago are
  // read again, 12 a pass, the stalest first.
  const settled = known((ago) => (ago < 4 ? now - 60_000 : hour(ago) + 4 * HOUR_MS));
  assert.deepEqual(due(settled, 30), [79, 78, 77, 76, 75, 74, 73, 72, 71, 70, 69, 68, 2, 1, 0]);

  // Never measured: every hour from the oldest row on; nothing stored: only the current hour.
  assert.equal(hoursToMeasure({ known: [], oldest: hour(5), now, historyDays: 3 }).length, 6);
  assert.deepEqual(hoursToMeasure({ known: [], oldest: null, now, historyDays: 3 }), [current]);
});
