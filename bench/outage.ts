// bench/outage: the drain after an outage, at RetailCRM's real rate (10 requests/s per key). The
// sandbox answers 503 for OUTAGE_S seconds while N webhooks arrive for an order.create flow; then
// it is back and the waiting executions drain. Measured from the sandbox's own request log (the
// time each request arrived): the busiest calendar second and the busiest sliding 1-second window
// of the drain, against the rate (ratio ≤ 1 means the service never saw more than its limit; a
// request's arrival lags its start by the loopback and event-loop latency, which can bunch a few),
// the drain's length against N ÷ rate, the requests that met the outage, probes, transactions.
// Usage: node bench/outage.ts [N=300] [OUTAGE_S=10]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { startRetailcrmSandbox } from '../src/connectors/retailcrm/sandbox.ts';
import { monthOf } from '../src/plans/periods.ts';

const N = Number(process.argv[2] ?? 300);
const OUTAGE_S = Number(process.argv[3] ?? 10);
const RATE = 10;

const crm = await startRetailcrmSandbox({ seed: 3, records: 2, rateLimit: RATE });
const dataDir = mkdtempSync(join(tmpdir(), 'svyazka-bench-outage-'));
const plans = new URL('./plans-unlimited.json', import.meta.url).pathname;
const app = await startApp(
  loadConfig({
    SVYAZKA_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', SVYAZKA_PLANS_FILE: plans, SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1',
    // Probes every second or two, so the bench does not wait the install's 30 s.
    SVYAZKA_CIRCUIT_PROBE_MS: '500', SVYAZKA_CIRCUIT_PROBE_MAX_MS: '2000', SVYAZKA_CIRCUIT_REFRESH_MS: '100',
  }),
);
try {
  const s = app.services;
  const ws = s.defaultWorkspace.id;
  await s.connections.save(ws, { name: 'crm', connector: 'retailcrm', auth: crm.credentials });
  const flow = await s.flows.save(ws, {
    name: 'bench-outage', enabled: true, trigger: { connector: 'webhook', event: 'incoming' },
    steps: [{ id: 'create', type: 'action', connector: 'retailcrm', action: 'order.create', connection: 'crm', input: { number: 'B-{{trigger.n}}' } }],
  });
  crm.outage.start(503, OUTAGE_S);
  const hook = `${app.url}/hooks/${flow.hookToken}`;
  for (let i = 0; i < N; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, N - i) }, (_, j) => fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n: i + j }) }).then((r) => r.arrayBuffer())));
  }
  const deadline = Date.now() + OUTAGE_S * 1000 + (N / RATE) * 3000 + 60_000;
  for (;;) {
    const items = (await s.store.listExecutions(ws, { flowId: flow.id, limit: N + 10 })).items;
    if (items.filter((e) => e.status === 'succeeded').length === N) break;
    if (Date.now() > deadline) throw new Error(`not drained: ${JSON.stringify(items.reduce<Record<string, number>>((a, e) => ({ ...a, [e.status]: (a[e.status] ?? 0) + 1 }), {}))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const creates = crm.outage.log.filter((e) => e.path === '/api/v5/orders/create');
  const drained = creates.filter((e) => e.status === 201).map((e) => e.at).sort((a, b) => a - b);
  const perCalendarSecond = new Map<number, number>();
  for (const at of drained) perCalendarSecond.set(Math.floor(at / 1000), (perCalendarSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
  let sliding = 0;
  for (let i = 0, j = 0; i < drained.length; i++) {
    while (drained[i] - drained[j] >= 1000) j++;
    sliding = Math.max(sliding, i - j + 1);
  }
  const calendar = Math.max(...perCalendarSecond.values());
  const circuit = (await s.store.circuits.listForWorkspace(ws))[0];
  const spent = (await s.store.plans.transactionsByFlow(ws, monthOf(Date.now()))).find((r) => r.flowId === flow.id)?.transactions ?? 0;
  const result = {
    orders: N,
    outageSeconds: OUTAGE_S,
    rate: RATE,
    orderCount: crm.state.orders.filter((o) => String(o.externalId ?? '').startsWith('svz-')).length,
    busiestCalendarSecond: calendar,
    calendarRatio: +(calendar / RATE).toFixed(2),
    busiestSlidingSecond: sliding,
    slidingRatio: +(sliding / RATE).toFixed(2),
    drainSeconds: +((drained.at(-1)! - drained[0]) / 1000).toFixed(1),
    drainVsIdeal: +((drained.at(-1)! - drained[0]) / 1000 / ((N - 1) / RATE)).toFixed(3),
    metTheOutage: creates.filter((e) => e.status === 503).length,
    probes: circuit?.probes ?? 0,
    transactions: spent,
    sandboxRefusedForRate: crm.rateLimited(),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
} finally {
  await app.stop();
  await crm.close();
  rmSync(dataDir, { recursive: true, force: true });
}
