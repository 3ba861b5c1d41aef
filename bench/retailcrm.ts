// bench/retailcrm: a flow "webhook → RetailCRM order.find → order.create" against the RetailCRM
// sandbox (which answers 503 past 10 req/s) processes N orders; prints transactions/s ÷ 10 — the
// share of RetailCRM's rate limit the per-connection limiter actually uses (target ≥ 0.95).
// Usage: node bench/retailcrm.ts [orders=100]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { startRetailcrmSandbox } from '../src/connectors/retailcrm/sandbox.ts';

const N = Number(process.argv[2] ?? 100);

const sandbox = await startRetailcrmSandbox({ seed: 1, records: 20 });
const dataDir = mkdtempSync(join(tmpdir(), 'svyazka-bench-retailcrm-'));
const plans = new URL('./plans-unlimited.json', import.meta.url).pathname;
const app = await startApp(loadConfig({ SVYAZKA_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', SVYAZKA_PLANS_FILE: plans, SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1' }));
try {
  const s = app.services;
  const ws = s.defaultWorkspace.id;
  await s.connections.save(ws, { name: 'crm', connector: 'retailcrm', auth: sandbox.credentials });
  const flow = s.flows.view(
    await s.flows.save(ws, {
      name: 'bench: RetailCRM find + create',
      enabled: true,
      trigger: { connector: 'webhook', event: 'incoming' },
      steps: [
        { id: 'find', type: 'action', connector: 'retailcrm', action: 'order.find', connection: 'crm', input: { email: '{{trigger.email}}' }, onNotFound: 'continue' },
        { id: 'create', type: 'action', connector: 'retailcrm', action: 'order.create', connection: 'crm', input: { firstName: 'Бенч', email: '{{trigger.email}}', 'items.0.offer.id': sandbox.state.products[0].offers[0].id } },
      ],
    }),
  );
  const url = flow.webhookUrl!.replace(s.config.publicUrl, app.url);
  const ordersBefore = sandbox.state.orders.length;
  const requestsBefore = sandbox.requestCount();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: N }, (_, i) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `email=bench${i}%40example.ru` }).then((r) => r.arrayBuffer()),
    ),
  );
  let last = -1;
  while (sandbox.state.orders.length < ordersBefore + N) {
    await new Promise((r) => setTimeout(r, 20));
    const done = sandbox.state.orders.length - ordersBefore;
    if (done !== last && done % 20 === 0) process.stderr.write(`  ${done}/${N} orders\n`);
    last = done;
  }
  const seconds = (performance.now() - started) / 1000;
  const transactions = sandbox.requestCount() - requestsBefore;
  const perSecond = transactions / seconds;
  console.log(
    JSON.stringify({ orders: N, transactions, seconds: Number(seconds.toFixed(2)), transactionsPerSecond: Number(perSecond.toFixed(2)), limit: 10, ratio: Number((perSecond / 10).toFixed(3)), rateLimited503: sandbox.rateLimited() }),
  );
  console.log(`ratio to the 10 req/s limit: ${(perSecond / 10).toFixed(3)} (${perSecond / 10 >= 0.95 ? 'ok, ≥ 0.95' : 'BELOW 0.95'})`);
} finally {
  await app.stop();
  await sandbox.close();
  rmSync(dataDir, { recursive: true, force: true });
}
