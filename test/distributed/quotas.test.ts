// Monthly quotas exact across processes: two app instances on one PostgreSQL database and one
// Redis share a workspace's plan. Webhooks sent to both at once: exactly the quota accepted, the
// rest 429, each counted once. Executions on both: exactly the transaction quota reaches the target.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../../src/app.ts';
import type { Config } from '../../src/config.ts';
import { startEchoTarget } from '../../src/connectors/http/echo-target.ts';
import { monthOf } from '../../src/plans/periods.ts';
import { startTestApp, tempDataDir, testConfig, waitFor, type TestApp } from '../support/app.ts';
import { DATABASE_URL, redisSkipReason } from './support.ts';

const skip = (await redisSkipReason()) ?? (DATABASE_URL ? null : 'SVYAZKA_TEST_DATABASE_URL is not set: quotas shared by processes need PostgreSQL (.ci/run sets it for its second pass)');
before(() => {
  if (skip) console.log(`# skipped: ${skip}`);
});

const WEBHOOK_QUOTA = 30;
const TRANSACTION_QUOTA = 15;
const plan = (id: string, transactions: number, webhooks: number) => ({
  id, label: id, transactionsPerMonth: transactions, ordersPerMonth: transactions, webhooksPerMonth: webhooks,
  historyDays: 7, webhooksPerSecond: 100_000, marketplaceParsingDays: 5,
});

let a: TestApp;
let b: RunningApp;
let echo: Awaited<ReturnType<typeof startEchoTarget>>;

before(async () => {
  if (skip) return;
  echo = await startEchoTarget();
  const plansFile = join(tempDataDir(), 'plans.json');
  writeFileSync(plansFile, JSON.stringify({ trialPlan: 'hooks', plans: [plan('hooks', 100_000, WEBHOOK_QUOTA), plan('calls', TRANSACTION_QUOTA, 100_000)] }));
  a = await startTestApp({ config: { plansFile } });
  const { redisUrl, redisPrefix, databaseUrl } = a.services.config;
  const extra: Partial<Config> = { redisUrl, redisPrefix, databaseUrl, plansFile };
  b = await startApp(testConfig(a.dataDir, extra));
});
after(async () => {
  if (skip) return;
  await b.stop();
  await a.close();
  await echo.close();
});

async function flowIn(token: string, name: string, steps: unknown[]): Promise<string> {
  if (steps.length > 0) assert.equal((await a.api('/api/v1/connections', { token, body: { name: 'echo', connector: 'http', auth: { baseUrl: echo.baseUrl } } })).status, 201);
  const flow = await a.api('/api/v1/flows', { token, body: { name, enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps } });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  return new URL(flow.json.webhookUrl).pathname;
}

/** `count` webhooks at once, alternating between the two processes. */
async function sendToBoth(path: string, count: number): Promise<Array<{ status: number; error?: string }>> {
  return Promise.all(
    Array.from({ length: count }, async (_, n) => {
      const res = await fetch((n % 2 === 0 ? a.url : b.url) + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });
      const body = (await res.json()) as { error?: string };
      return { status: res.status, error: body.error };
    }),
  );
}

test('webhooks to two processes at once: exactly the monthly quota accepted, the rest 429, each counted once', { skip: skip ?? false, timeout: 120_000 }, async () => {
  const token = await a.createToken('hooks');
  const ws = (await a.services.store.getWorkspaceBySlug('hooks'))!;
  const path = await flowIn(token, 'counted', []);
  const results = await sendToBoth(path, WEBHOOK_QUOTA * 3);
  const accepted = results.filter((r) => r.status === 200).length;
  const refused = results.filter((r) => r.status === 429);
  assert.equal(accepted, WEBHOOK_QUOTA, `accepted ${accepted} of ${results.length}`);
  assert.equal(refused.length, results.length - WEBHOOK_QUOTA);
  assert.ok(refused.every((r) => r.error === 'quota_exceeded'), 'refused for the quota, not the rate');
  const month = monthOf(Date.now());
  assert.equal((await a.services.store.plans.usageBetween(ws.id, `${month}-01`, `${month}-31`)).webhooks, WEBHOOK_QUOTA, 'counted once each');
  assert.equal((await a.services.store.listWebhooks(ws.id, { limit: 1000 })).items.length, WEBHOOK_QUOTA, 'stored: the accepted ones');
  // Both processes report the same figure.
  for (const app of [a, b]) assert.equal((await app.services.plans.usage(ws.id)).webhooks.used, WEBHOOK_QUOTA);
});

test('executions on two processes: exactly the monthly transaction quota reaches the target, the rest wait for quota', { skip: skip ?? false, timeout: 120_000 }, async (t) => {
  const token = await a.createToken('calls');
  const ws = (await a.services.store.getWorkspaceBySlug('calls'))!;
  await a.services.plans.changePlan(ws.id, 'calls');
  await b.changeFeed.poll();
  const path = await flowIn(token, 'calls', [{ id: 'hit', type: 'action', connector: 'http', action: 'request', connection: 'echo', input: { method: 'POST', url: '/calls', body: { n: '{{trigger.n}}' } } }]);
  const total = TRANSACTION_QUOTA * 3;
  const results = await sendToBoth(path, total);
  assert.equal(results.filter((r) => r.status === 200).length, total);
  const settled = await waitFor(async () => {
    const items = (await a.api(`/api/v1/executions?limit=200`, { token })).json.items as Array<{ status: string }>;
    const by = (s: string) => items.filter((e) => e.status === s).length;
    return items.length === total && by('succeeded') + by('quota_exceeded') === total ? { succeeded: by('succeeded'), waiting: by('quota_exceeded') } : undefined;
  }, 90_000, `all ${total} executions to succeed or wait for quota`);
  const finished = async (app: RunningApp) => (await app.services.metrics.executionsFinished.get()).values.reduce((sum, v) => sum + v.value, 0);
  t.diagnostic(`executions finished by process a: ${await finished(a)}, by process b: ${await finished(b)}`);
  assert.equal(settled.succeeded, TRANSACTION_QUOTA);
  assert.equal(settled.waiting, total - TRANSACTION_QUOTA);
  assert.equal(echo.received().filter((r) => r.path === '/calls').length, TRANSACTION_QUOTA, 'requests the target received');
  const month = monthOf(Date.now());
  assert.equal((await a.services.store.plans.usageBetween(ws.id, `${month}-01`, `${month}-31`)).transactions, TRANSACTION_QUOTA, 'counted once each');
  const byFlow = await a.services.store.plans.transactionsByFlow(ws.id, month);
  assert.equal(byFlow.reduce((sum, r) => sum + r.transactions, 0), TRANSACTION_QUOTA, 'the per-flow figures add up to the same');
});
