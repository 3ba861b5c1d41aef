// A find + create flow in a running app against the sandbox (which refuses more than 10 req/s):
// a burst of webhooks all end as orders, each call processed once. How much of the limit the
// per-connection limiter uses is a measurement, not a test: `npm run bench:retailcrm`
// (bench/retailcrm.ts prints transactions/s ÷ 10 and the 503s; see bench/RESULTS.md).
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

test('find + create for a burst of N webhooks: every execution succeeds, one order each, each call processed once', { timeout: 240_000 }, async () => {
  const N = 20;
  const flow = await app.api('/api/v1/flows', {
    body: {
      name: 'burst: find + create',
      enabled: true,
      trigger: { connector: 'webhook', event: 'incoming' },
      steps: [
        { id: 'find', type: 'action', connector: 'retailcrm', action: 'order.find', connection: 'crm', input: { email: '{{trigger.email}}' }, onNotFound: 'continue' },
        { id: 'create', type: 'action', connector: 'retailcrm', action: 'order.create', connection: 'crm', input: { firstName: 'Пачка', email: '{{trigger.email}}', 'items.0.offer.id': sb.state.products[0].offers[0].id } },
      ],
    },
  });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  const url = flow.json.webhookUrl.replace(app.services.config.publicUrl, app.url);
  const processedBefore = sb.requestCount();
  const ordersBefore = sb.state.orders.length;
  const statuses = await Promise.all(
    Array.from({ length: N }, (_, i) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `burst${i}@example.ru` }) }).then(async (r) => (await r.arrayBuffer(), r.status))),
  );
  assert.deepEqual(statuses, Array(N).fill(200));
  const executions = await waitFor(async () => {
    const list = await app.api(`/api/v1/executions?flowId=${flow.json.id}`);
    const items = list.json.items as Array<{ status: string }>;
    return items.length === N && items.every((e) => e.status === 'succeeded' || e.status === 'failed') ? items : undefined;
  }, 180_000, `${N} executions to finish`);
  assert.deepEqual(executions.map((e) => e.status), Array(N).fill('succeeded'));
  const created = sb.state.orders.slice(ordersBefore);
  assert.equal(created.length, N, 'one order per webhook');
  assert.deepEqual(new Set(created.map((o) => (o as { email?: string }).email)), new Set(Array.from({ length: N }, (_, i) => `burst${i}@example.ru`)));
  // 503s (if any) are refused before processing and retried: the sandbox processed each call once.
  assert.equal(sb.requestCount() - processedBefore, 2 * N);
});
