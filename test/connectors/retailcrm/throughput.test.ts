// A find + create flow in a running app against the sandbox (which refuses more than 10 req/s):
// the per-connection limiter keeps RetailCRM's limit and still uses it — transactions/s ÷ 10 ≥ 0.95
// — and the sandbox never has to answer 503. (The numbers are printed; bench/retailcrm can reuse this.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRetailcrmSandbox, type RetailcrmSandbox } from '../../../src/connectors/retailcrm/sandbox.ts';
import { startTestApp, waitFor, type TestApp } from '../../support/app.ts';
import { registryWithRetailcrm } from './support.ts';

let app: TestApp;
let sb: RetailcrmSandbox;
before(async () => {
  sb = await startRetailcrmSandbox({ seed: 21, records: 10 });
  app = await startTestApp({ connectors: registryWithRetailcrm() });
  assert.equal((await app.api('/api/v1/connections', { body: { name: 'crm', connector: 'retailcrm', auth: sb.credentials } })).status, 201);
});
after(async () => {
  await app?.close();
  await sb?.close();
});

test('find + create for N orders runs at ≥ 95 % of 10 req/s with no 503', async () => {
  const N = Number(process.env.RETAILCRM_BENCH_ORDERS ?? 30);
  const flow = await app.api('/api/v1/flows', {
    body: {
      name: 'bench: find + create',
      enabled: true,
      trigger: { connector: 'webhook', event: 'incoming' },
      steps: [
        { id: 'find', type: 'action', connector: 'retailcrm', action: 'order.find', connection: 'crm', input: { email: '{{trigger.email}}' }, onNotFound: 'continue' },
        { id: 'create', type: 'action', connector: 'retailcrm', action: 'order.create', connection: 'crm', input: { firstName: 'Бенч', email: '{{trigger.email}}', 'items.0.offer.id': sb.state.products[0].offers[0].id } },
      ],
    },
  });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  const url = flow.json.webhookUrl.replace(app.services.config.publicUrl, app.url);
  await new Promise((r) => setTimeout(r, 1100)); // an empty rate window for a clean measurement
  const before_ = sb.requestCount();
  const ordersBefore = sb.state.orders.length;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: N }, (_, i) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `bench${i}@example.ru` }) }).then((r) => r.arrayBuffer())),
  );
  await waitFor(() => sb.state.orders.length >= ordersBefore + N, 60_000, `${N} orders`);
  const elapsed = (performance.now() - started) / 1000;
  const transactions = sb.requestCount() - before_;
  const ratio = transactions / elapsed / 10; // the measure: transactions/s ÷ 10
  console.log(`retailcrm throughput: ${N} orders, ${transactions} transactions in ${elapsed.toFixed(2)} s = ${(transactions / elapsed).toFixed(2)} tx/s; ratio (tx/s ÷ 10) ${ratio.toFixed(3)}; 503s: ${sb.rateLimited()}`);
  assert.equal(transactions, 2 * N);
  assert.equal(sb.rateLimited(), 0, 'the limiter kept under RetailCRM limit');
  assert.ok(ratio >= 0.95, `ratio ${ratio.toFixed(3)} < 0.95`);
});
