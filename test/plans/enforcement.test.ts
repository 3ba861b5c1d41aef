// Plans enforced through a running app: exact transaction quotas under concurrency, per-second
// and monthly webhook limits, warnings, usage, retention, balance.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEchoTarget } from '../../src/connectors/http/echo-target.ts';
import { pruneOnce } from '../../src/plans/retention.ts';
import { startTestApp, tempDataDir, waitFor, type TestApp } from '../support/app.ts';
import { asOperator, type Call } from '../support/operator.ts';

type Echo = Awaited<ReturnType<typeof startEchoTarget>>;
const plan = (id: string, transactions: number, webhooks: number, perSecond: number, historyDays = 4) => ({
  id, label: id, transactionsPerMonth: transactions, ordersPerMonth: Math.ceil(transactions / 3), webhooksPerMonth: webhooks,
  historyDays, webhooksPerSecond: perSecond, marketplaceParsingDays: 5,
});

let app: TestApp;
let echo: Echo;
/** Plans and balances are the instance operator's (a signed-in user, never a token). */
let operator: Call;

before(async () => {
  echo = await startEchoTarget();
  const dir = tempDataDir();
  const plansFile = join(dir, 'plans.json');
  writeFileSync(plansFile, JSON.stringify({ trialPlan: 'tiny', plans: [plan('tiny', 10, 1000, 1000), plan('big', 1000, 100_000, 1000, 7), plan('slow', 1000, 1000, 20), plan('few', 1000, 5, 1000)] }));
  app = await startTestApp({ config: { plansFile } });
  operator = await asOperator(app);
});
after(async () => {
  await app.close();
  await echo.close();
});

async function flowIn(token: string, name: string) {
  const res = await app.api('/api/v1/connections', { token, body: { name: 'echo', connector: 'http', auth: { baseUrl: echo.baseUrl } } });
  assert.equal(res.status, 201);
  const flow = await app.api('/api/v1/flows', {
    token,
    body: { name, enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'hit', type: 'action', connector: 'http', action: 'request', connection: 'echo', input: { method: 'POST', url: `/${name}`, body: { n: '{{trigger.n}}' } } }] },
  });
  assert.equal(flow.status, 201);
  return flow.json.webhookUrl.replace(app.services.config.publicUrl, app.url) as string;
}

const post = (url: string, n: number) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });

test('50 parallel executions race for 10 transactions: exactly 10 run, 40 wait, all run after an upgrade', async () => {
  const url = await flowIn(app.token, 'race');
  const answers = await Promise.all(Array.from({ length: 50 }, (_, n) => post(url, n)));
  assert.ok(answers.every((r) => r.status === 200));
  const settled = await waitFor(async () => {
    const list = (await app.api('/api/v1/executions?limit=100')).json.items as Array<{ status: string }>;
    const done = list.filter((e) => e.status === 'succeeded').length;
    const waiting = list.filter((e) => e.status === 'quota_exceeded').length;
    return done + waiting === 50 ? { done, waiting } : undefined;
  });
  assert.deepEqual(settled, { done: 10, waiting: 40 });
  assert.equal(echo.received().filter((r) => r.path === '/race').length, 10, 'not one request past the quota');
  const usage = (await app.api('/api/v1/usage')).json;
  assert.deepEqual(usage.transactions, { used: 10, limit: 10, remaining: 0 });
  const notes = (await app.api('/api/v1/notifications')).json.items.map((n: { kind: string; threshold: number }) => `${n.kind}:${n.threshold}`).sort();
  assert.deepEqual(notes, ['transactions:100', 'transactions:80']);

  const upgraded = await operator('/api/v1/billing/plan', { method: 'PUT', body: { planId: 'big' }, workspace: 'default' });
  assert.equal(upgraded.status, 200, JSON.stringify(upgraded.json));
  await waitFor(async () => (await app.api('/api/v1/executions?status=succeeded&limit=100')).json.items.length === 50, 15_000, 'all 50 after the upgrade');
  assert.equal(echo.received().filter((r) => r.path === '/race').length, 50);
  const after_ = (await app.api('/api/v1/usage')).json;
  assert.equal(after_.transactions.used, 50);
  assert.equal(after_.webhooks.used, 50);
  assert.deepEqual(after_.transactionsByConnector, [{ connector: 'http', transactions: 50 }]);
  assert.equal(after_.daily.at(-1).transactions, 50);
});

test('a burst of twice the per-second rate: about half get 429 with Retry-After, and none of those are stored', async () => {
  const token = await app.createToken('burst');
  const wsId = (await app.services.store.getWorkspaceBySlug('burst'))!.id;
  await app.services.plans.changePlan(wsId, 'slow');
  const url = await flowIn(token, 'burst');
  const answers = await Promise.all(Array.from({ length: 40 }, (_, n) => post(url, n)));
  const refused = answers.filter((r) => r.status === 429);
  assert.ok(refused.length >= 15 && refused.length <= 21, `${refused.length} of 40 refused`);
  assert.ok(refused.every((r) => Number(r.headers.get('retry-after')) >= 1));
  const body = (await refused[0].json()) as { error: string; message: string; messageRu: string };
  assert.equal(body.error, 'rate_limited');
  assert.match(body.messageRu, /не больше 20 входящих вебхуков в секунду/);
  const stored = (await app.api('/api/v1/webhooks?limit=100', { token })).json.items.length;
  assert.equal(stored, 40 - refused.length);
  const metrics = await (await fetch(`${app.url}/metrics`)).text();
  assert.match(metrics, new RegExp(`svyazka_webhooks_rejected_total\\{reason="rate_limited"\\} ${refused.length}`));
});

test('the monthly webhook quota: the sender gets 429 with the reason in Russian and English', async () => {
  const token = await app.createToken('few');
  const wsId = (await app.services.store.getWorkspaceBySlug('few'))!.id;
  await app.services.plans.changePlan(wsId, 'few');
  const url = await flowIn(token, 'few');
  for (let n = 0; n < 5; n++) assert.equal((await post(url, n)).status, 200);
  const over = await post(url, 5);
  assert.equal(over.status, 429);
  const body = (await over.json()) as { error: string; message: string; messageRu: string };
  assert.equal(body.error, 'quota_exceeded');
  assert.match(body.messageRu, /Исчерпан месячный лимит/);
  assert.match(body.message, /monthly quota of 5 incoming webhooks/);
  const notes = (await app.api('/api/v1/notifications', { token })).json.items.map((n: { kind: string; threshold: number }) => `${n.kind}:${n.threshold}`).sort();
  assert.deepEqual(notes, ['webhooks:100', 'webhooks:80']);
});

test('retention removes exactly the webhooks older than the plan keeps, and shows the oldest kept', async () => {
  const token = await app.createToken('retention');
  const ws = (await app.services.store.getWorkspaceBySlug('retention'))!;
  await app.services.plans.changePlan(ws.id, 'big'); // 7 days
  const url = await flowIn(token, 'retention');
  const flowId = (await app.api('/api/v1/flows', { token })).json.items[0].id;
  const now = Date.now();
  const day = 86_400_000;
  const ages = [10 * day, 8 * day, 7 * day + 60_000, 7 * day - 60_000, 2 * day, 0];
  for (const [i, age] of ages.entries()) {
    await app.services.store.acceptWebhook(
      { id: `wh_ret${i}`, workspaceId: ws.id, flowId, method: 'POST', headers: {}, query: {}, body: { i }, bodyKind: 'json', contentType: 'application/json', size: 7, ip: null, status: 'no_enabled_flow', error: null, receivedAt: now - age },
      null,
      '2000-01-01',
    );
  }
  assert.equal((await post(url, 1)).status, 200);
  const pruned = await pruneOnce(app.services, now);
  assert.ok(pruned.webhooks >= 3);
  const kept = (await app.api('/api/v1/webhooks?limit=100', { token })).json.items.map((w: { id: string }) => w.id);
  for (const gone of ['wh_ret0', 'wh_ret1', 'wh_ret2']) assert.equal(kept.includes(gone), false, gone);
  for (const stays of ['wh_ret3', 'wh_ret4', 'wh_ret5']) assert.ok(kept.includes(stays), stays);
  const usage = (await app.api('/api/v1/usage', { token })).json;
  assert.equal(usage.history.keptDays, 7);
  assert.equal(Date.parse(usage.history.oldestWebhookAt), now - (7 * day - 60_000));
});

test('top-ups get the cashback tier as a separate ledger entry; the balance is their sum', async () => {
  const res = await operator('/api/v1/balance/top-up', { body: { amountKopecks: 30_000_00 }, workspace: 'default' });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  assert.deepEqual(res.json, { percent: 15, cashbackKopecks: 4_500_00, balanceKopecks: 34_500_00 });
  const small = await operator('/api/v1/balance/top-up', { body: { amountKopecks: 9_999_99 }, workspace: 'default' });
  assert.equal(small.json.cashbackKopecks, 0);
  const balance = (await app.api('/api/v1/balance')).json;
  assert.equal(balance.balanceKopecks, 34_500_00 + 9_999_99);
  assert.deepEqual(balance.entries.map((e: { kind: string }) => e.kind).sort(), ['cashback', 'top_up', 'top_up']);
  assert.equal((await operator('/api/v1/balance/top-up', { body: { amountKopecks: -5 }, workspace: 'default' })).status, 400);
  const adjusted = await operator('/api/v1/balance/adjust', { body: { amountKopecks: -1_000_00, reason: 'Возврат за сбой 12.11' }, workspace: 'default' });
  assert.equal(adjusted.status, 201, JSON.stringify(adjusted.json));
  assert.equal(adjusted.json.balanceKopecks, 34_500_00 + 9_999_99 - 1_000_00);
  assert.equal(adjusted.json.entry.actor, (await app.services.store.getUserByEmail('operator@localhost'))!.id);
  assert.equal((await operator('/api/v1/balance/adjust', { body: { amountKopecks: 5, reason: '' }, workspace: 'default' })).status, 400);
  // The calculator uses the operator's catalog: none of these test plans has 2 000 transactions.
  const suggest = (await (await fetch(`${app.url}/api/v1/plans/suggest?orders=500`)).json()) as { plan: unknown; steps: string[] };
  assert.equal(suggest.plan, null);
  assert.match(suggest.steps[2], /no plan covers 2 000 transactions/);
  assert.equal((await fetch(`${app.url}/api/v1/plans/suggest?orders=-1`)).status, 400);
});

test('an execution waiting for quota can be cancelled, and stays cancelled after an upgrade', async () => {
  const token = await app.createToken('cancel-quota');
  const ws = (await app.services.store.getWorkspaceBySlug('cancel-quota'))!;
  await app.services.plans.prepare(ws.id);
  for (let i = 0; i < 10; i++) await app.services.plans.takeTransaction(ws.id); // the 'tiny' trial's 10 are used up
  const url = await flowIn(token, 'cancel-quota');
  const { id } = (await (await post(url, 1)).json()) as { id: string };
  const waiting = await waitFor(async () => {
    const item = (await app.api(`/api/v1/executions?webhookId=${id}`, { token })).json.items[0];
    return item?.status === 'quota_exceeded' ? item : undefined;
  });
  assert.equal((await app.api(`/api/v1/executions/${waiting.id}/cancel`, { method: 'POST', token })).json.status, 'cancelled');
  await app.services.plans.changePlan(ws.id, 'big');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await app.api(`/api/v1/executions/${waiting.id}`, { token })).json.status, 'cancelled');
  assert.equal(echo.received().filter((r) => r.path === '/cancel-quota').length, 0);
});
