// Several app instances on one database and one Redis, as several processes would be: roles, one
// scheduler leader among workers (each tick fires once, failover when the leader goes), and
// cache invalidation heard over Redis before the change feed's next poll.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, type RunningApp } from '../../src/app.ts';
import type { Config } from '../../src/config.ts';
import { ConnectorRegistry } from '../../src/connector-kit/registry.ts';
import type { ConnectorDefinition } from '../../src/connector-kit/types.ts';
import { builtinConnectors } from '../../src/connectors/index.ts';
import { startEchoTarget } from '../../src/connectors/http/echo-target.ts';
import { startTestApp, testConfig, waitFor, type TestApp } from '../support/app.ts';
import { redisSkipReason } from './support.ts';

const skip = await redisSkipReason();
before(() => {
  if (skip) console.log(`# skipped: ${skip}`);
});

/** Another process on the first one's database and Redis keys. */
async function sibling(first: TestApp, extra: Partial<Config>, opts: Parameters<typeof startApp>[1] = {}): Promise<RunningApp> {
  const { redisUrl, redisPrefix, databaseUrl, queueLockMs } = first.services.config;
  return startApp(testConfig(first.dataDir, { redisUrl, redisPrefix, databaseUrl, queueLockMs, ...extra }), opts);
}

const TICK_MS = 100;
/** A schedule that ticks every 100 ms; each firing is recorded with the tick it belongs to and who fired it. */
function tickerRegistry(name: string, firings: Array<{ tick: number; by: string }>): ConnectorRegistry {
  const ticker: ConnectorDefinition = {
    key: 'ticker',
    label: { ru: 'Тикер', en: 'Ticker' },
    auth: { fields: [] },
    actions: [],
    triggers: [
      {
        id: 'tick',
        label: { ru: 'Тик', en: 'Tick' },
        delivery: 'schedule',
        fields: [],
        // The next boundary at least 30 ms away, so a timer that fires a little early does not take the same tick twice.
        nextRunDelayMs: (_options, now) => TICK_MS - ((now.getTime() + 30) % TICK_MS) + 30,
        async poll() {
          const tick = Math.round(Date.now() / TICK_MS);
          firings.push({ tick, by: name });
          return { events: [{ payload: { tick }, dedupeKey: `${tick}:${name}:${firings.length}` }], cursor: tick };
        },
      },
    ],
  };
  return new ConnectorRegistry([...builtinConnectors().list(), ticker]);
}

test('two workers: each tick fires once, and the other worker takes over when the leader dies', { skip: skip ?? false, timeout: 120_000 }, async (t) => {
  const firings: Array<{ tick: number; by: string }> = [];
  const a = await startTestApp({ connectors: tickerRegistry('a', firings), config: { role: 'worker', queueLockMs: 1000 } });
  let b: RunningApp | null = null;
  try {
    b = await sibling(a, { role: 'worker' }, { connectors: tickerRegistry('b', firings), logger: undefined });
    const created = await a.services.flows.save(a.workspaceId, { name: 'ticks', enabled: true, trigger: { connector: 'ticker', event: 'tick' }, steps: [{ id: 'v', type: 'set', values: { tick: '{{trigger.tick}}' } }] });
    // The other process hears of the new flow through the change feed; only the leader arms it.
    await b.changeFeed.poll();
    b.scheduler.flowChanged(created);
    assert.equal([a.leader!.isLeader(), b.leader!.isLeader()].filter(Boolean).length, 1, 'exactly one leader');
    const [leader, follower, followerName] = a.leader!.isLeader() ? [a as RunningApp, b, 'b'] : [b, a as RunningApp, 'a'];

    await waitFor(() => firings.length >= 20, 60_000, '20 firings');
    // The leader dies: it stops renewing and firing without handing over (as after kill -9).
    await leader.leader!.stop(false);
    leader.scheduler.stop();
    const before = firings.length;
    await waitFor(() => firings.filter((f) => f.by === followerName).length >= 10 && firings.length >= before + 10, 60_000, 'the follower to take over');
    assert.ok(follower.leader!.isLeader(), 'the follower is the leader now');

    const ticks = firings.map((f) => f.tick);
    const distinct = new Set(ticks);
    const span = Math.max(...ticks) - Math.min(...ticks) + 1;
    t.diagnostic(`${firings.length} firings over ${distinct.size} distinct ticks (${span} ticks elapsed, the rest missed while no leader held the lock); by a: ${firings.filter((f) => f.by === 'a').length}, by b: ${firings.filter((f) => f.by === 'b').length}`);
    assert.equal(distinct.size, firings.length, `a tick fired twice: ${ticks.filter((x, i) => ticks.indexOf(x) !== i).join(', ')}`);
  } finally {
    // A firing in progress finishes before the stores close (stop() does not wait for one).
    a.scheduler.stop();
    b?.scheduler.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await b?.stop();
    await a.close();
  }
});

test('roles: a worker serves only health and metrics; a web process stores webhooks and never runs them, a worker does', { skip: skip ?? false, timeout: 120_000 }, async () => {
  const echo = await startEchoTarget();
  const web = await startTestApp({ config: { role: 'web' } });
  let worker: RunningApp | null = null;
  try {
    worker = await sibling(web, { role: 'worker' });
    for (const path of ['/api/v1/openapi.json', '/api/v1/flows', '/', '/hooks/aaaaaaaaaaaaaaaaaaaaaa']) {
      assert.equal((await fetch(worker.url + path)).status, 404, `${path} is not served by a worker`);
    }
    assert.equal((await fetch(worker.url + '/healthz')).status, 200);
    assert.equal((await fetch(worker.url + '/readyz')).status, 200);
    assert.match(await (await fetch(worker.url + '/metrics')).text(), /svyazka_/);

    assert.equal((await web.api('/api/v1/connections', { body: { name: 'echo', connector: 'http', auth: { baseUrl: echo.baseUrl } } })).status, 201);
    const flow = await web.api('/api/v1/flows', {
      body: { name: 'roles', enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'hit', type: 'action', connector: 'http', action: 'request', connection: 'echo', input: { method: 'POST', url: '/hit', body: { n: '{{trigger.n}}' } } }] },
    });
    assert.equal(flow.status, 201, JSON.stringify(flow.json));
    const acked: string[] = [];
    for (let n = 0; n < 20; n++) {
      const res = await fetch(flow.json.webhookUrl.replace(/^https?:\/\/[^/]+/, web.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });
      assert.equal(res.status, 200);
      acked.push(((await res.json()) as { id: string }).id);
    }
    await waitFor(async () => {
      const items = (await web.api(`/api/v1/executions?flowId=${flow.json.id}&limit=100`)).json.items as Array<{ status: string }>;
      return items.length === 20 && items.every((e) => e.status === 'succeeded');
    }, 60_000, 'the worker to run all 20');
    const finished = async (app: RunningApp) => (await app.services.metrics.executionsFinished.get()).values.reduce((sum, v) => sum + v.value, 0);
    assert.equal(await finished(web), 0, 'the web process ran none');
    assert.equal(await finished(worker), 20, 'the worker ran all');
    assert.equal(echo.received().filter((r) => r.path === '/hit').length, 20);
  } finally {
    await worker?.stop();
    await web.close();
    await echo.close();
  }
});

test('a change made through one web process reaches another at once over Redis, not at its next feed poll', { skip: skip ?? false, timeout: 60_000 }, async () => {
  const a = await startTestApp({ config: { role: 'web' } });
  let b: RunningApp | null = null;
  try {
    // B reads its change feed once an hour by itself: only the nudge can tell it sooner.
    b = await sibling(a, { role: 'web' }, { changeFeedIntervalMs: 3_600_000 });
    const flow = await a.api('/api/v1/flows', { body: { name: 'nudged', enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [] } });
    assert.equal(flow.status, 201);
    const token = String(flow.json.webhookUrl).split('/hooks/')[1];
    const targetB = await b.services.targets.find(token);
    assert.equal(targetB?.enabled, true, 'B has the flow cached as enabled');
    assert.equal((await a.api(`/api/v1/flows/${flow.json.id}/disable`, { method: 'POST' })).status, 200);
    await waitFor(async () => (await b!.services.targets.find(token))?.enabled === false, 30_000, 'B to hear that the flow is disabled');
  } finally {
    await b?.stop();
    await a.close();
  }
});
