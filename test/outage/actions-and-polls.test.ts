// What people can do about a service that is down, and polls during an outage: the owner fails the
// waiting executions or closes the circuit by hand ("retry now"); a RetailCRM history poll that
// meets the outage keeps its cursor, and the changes made while it was down arrive afterwards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRetailcrmSandbox, type RetailcrmSandbox } from '../../src/connectors/retailcrm/sandbox.ts';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';
import { local, registryWithRate, SCALED_CIRCUIT, sendAll, statusCounts } from './support.ts';

const RATE = 100;
let app: TestApp;
let crm: RetailcrmSandbox;
let crmId: string;

const outage = (seconds: number) => fetch(`${crm.baseUrl}/_sandbox/outage`, { method: 'POST', body: JSON.stringify({ status: 503, seconds }) });

before(async () => {
  crm = await startRetailcrmSandbox({ seed: 7, records: 2, rateLimit: RATE });
  // Probes far apart: only the hand actions below close the circuit in this test.
  app = await startTestApp({ connectors: registryWithRate(RATE), config: { circuit: { ...SCALED_CIRCUIT, probeMs: 600_000, probeMaxMs: 600_000 } } });
  const res = await app.api('/api/v1/connections', { body: { name: 'crm', connector: 'retailcrm', auth: crm.credentials } });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  crmId = res.json.id;
});
after(async () => {
  await app?.close();
  await crm?.close();
});

test('fail-waiting fails the executions that wait for the service; retry-now closes the circuit and the next ones go through', async () => {
  const flow = await app.api('/api/v1/flows', {
    body: { name: 'orders', enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps: [{ id: 'create', type: 'action', connector: 'retailcrm', action: 'order.create', connection: 'crm', input: { number: 'A-{{trigger.n}}' } }] },
  });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  assert.equal((await outage(3600)).status, 200);
  await sendAll(local(app, flow.json.webhookUrl), Array.from({ length: 20 }, (_, i) => ({ n: i })));
  // Every execution waits (none still queued or retrying), so fail-waiting has them all.
  await waitFor(async () => {
    const c = (await app.api(`/api/v1/connections/${crmId}`)).json;
    return c.health === 'down' && (await statusCounts(app, flow.json.id)).waiting_for_service === 20 ? c : undefined;
  }, 60_000, 'the circuit open with all 20 executions waiting');

  const viewer = await app.createToken('default', 'viewer');
  assert.equal((await app.api(`/api/v1/connections/${crmId}/circuit/fail-waiting`, { method: 'POST', token: viewer })).status, 403);
  const failed = await app.api(`/api/v1/connections/${crmId}/circuit/fail-waiting`, { method: 'POST' });
  assert.equal(failed.status, 200, JSON.stringify(failed.json));
  assert.ok(failed.json.failed > 0, JSON.stringify(failed.json));
  const counts = await waitFor(async () => {
    const c = await statusCounts(app, flow.json.id);
    return (c.waiting_for_service ?? 0) === 0 && (c.failed ?? 0) >= failed.json.failed ? c : undefined;
  }, 30_000, 'the waiting executions failed');
  assert.equal(counts.succeeded ?? 0, 0);

  await outage(0);
  const closed = await app.api(`/api/v1/connections/${crmId}/circuit/close`, { method: 'POST' });
  assert.equal(closed.status, 200, JSON.stringify(closed.json));
  assert.equal((await app.api(`/api/v1/connections/${crmId}`)).json.health, 'ok');
  await sendAll(local(app, flow.json.webhookUrl), [{ n: 100 }]);
  await waitFor(async () => (crm.state.orders.some((o) => o.number === 'A-100') ? true : undefined), 30_000, `a new execution to go through: ${JSON.stringify(await statusCounts(app, flow.json.id))}`);
  assert.ok(crm.state.orders.some((o) => o.number === 'A-100'));
});

test('a history poll that meets the outage keeps its cursor; what changed meanwhile arrives once the service is back', async () => {
  const flow = await app.api('/api/v1/flows', {
    body: { name: 'history', enabled: true, trigger: { connector: 'retailcrm', event: 'order.created', connection: 'crm', options: { delivery: 'poll' } }, steps: [{ id: 'n', type: 'set', values: { number: '{{trigger.number}}' } }] },
  });
  assert.equal(flow.status, 201, JSON.stringify(flow.json));
  // The first poll takes the starting point.
  assert.equal(await app.scheduler.fire(app.workspaceId, flow.json.id), 0);
  const start = await app.services.store.getTriggerCursor(flow.json.id);

  await outage(3600);
  const during = crm.userCreate({ number: 'MADE-WHILE-DOWN' });
  assert.equal(await app.scheduler.fire(app.workspaceId, flow.json.id), 0);
  const failing = (await app.api(`/api/v1/flows/${flow.json.id}`)).json.pollState;
  assert.match(failing.lastError, /503|недоступ|unavailable|down/i);
  assert.deepEqual((await app.services.store.getTriggerCursor(flow.json.id))?.cursor, start?.cursor, 'the cursor did not move');

  await outage(0);
  await app.api(`/api/v1/connections/${crmId}/circuit/close`, { method: 'POST' });
  // The closed circuit reaches this process's breaker with its next refresh (several processes share
  // it), and the poll's own retry timer may get there before a poll by hand: whichever poll comes
  // first picks up the change, and exactly one execution follows.
  const runs = await waitFor(async () => {
    await app.scheduler.fire(app.workspaceId, flow.json.id);
    const items = (await app.api(`/api/v1/executions?flowId=${flow.json.id}`)).json.items;
    return items.length === 1 && items[0].status === 'succeeded' ? items : undefined;
  }, 60_000, 'the order made while it was down');
  const detail = (await app.api(`/api/v1/executions/${runs[0].id}`)).json;
  assert.equal(detail.steps.at(-1).output.number, during.number);
});
