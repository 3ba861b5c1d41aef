// Outage tolerance through the whole app: the RetailCRM sandbox answers 503 for "two hours" (at
// SCALE) while 1,000 webhooks arrive for an order.create flow. The circuit opens after a few
// failures; the executions wait unsent (no transactions) as waiting_for_service; probes go out at
// growing intervals; when the sandbox is back the circuit closes by itself and the backlog drains
// at the service's rate: every execution succeeds, each order exists once, the transactions are
// the orders plus the requests that met the outage, and the sandbox's own limiter never refused one.
// Meanwhile another connection's flow keeps running.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoTarget, type EchoTarget } from '../../src/connectors/http/echo-target.ts';
import { startRetailcrmSandbox, type RetailcrmSandbox } from '../../src/connectors/retailcrm/sandbox.ts';
import { monthOf } from '../../src/plans/periods.ts';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';
import { local, maxPerSecond, registryWithRate, SCALE, SCALED_CIRCUIT, sendAll, statusCounts } from './support.ts';

const TOTAL = Number(process.env.SVYAZKA_OUTAGE_TOTAL ?? 1000);
/** RetailCRM's requests/s, as the connector declares it and the sandbox enforces it (503 above). */
const RATE = 100;
const OUTAGE_SECONDS = (2 * 3600) / SCALE;
const OTHER = 50;

let app: TestApp;
let crm: RetailcrmSandbox;
let echo: EchoTarget;

before(async () => {
  crm = await startRetailcrmSandbox({ seed: 5, records: 2, rateLimit: RATE });
  echo = await startEchoTarget();
  app = await startTestApp({ connectors: registryWithRate(RATE), config: { circuit: SCALED_CIRCUIT } });
  for (const c of [
    { name: 'crm', connector: 'retailcrm', auth: crm.credentials },
    { name: 'echo', connector: 'http', auth: { baseUrl: echo.baseUrl } },
  ]) {
    const res = await app.api('/api/v1/connections', { body: c });
    assert.equal(res.status, 201, JSON.stringify(res.json));
  }
});
after(async () => {
  await app?.close();
  await crm?.close();
  await echo?.close();
});

test(`a 2-hour RetailCRM outage (at 1:${SCALE}) under ${TOTAL} webhooks: nothing lost, nothing doubled, nothing spent waiting, drained at the service's rate`, { timeout: 300_000 }, async () => {
  const orders = await app.api('/api/v1/flows', {
    body: {
      name: 'Заказы → RetailCRM',
      enabled: true,
      trigger: { connector: 'webhook', event: 'incoming' },
      steps: [{ id: 'create', type: 'action', connector: 'retailcrm', action: 'order.create', connection: 'crm', input: { number: 'W-{{trigger.n}}', firstName: 'Покупатель {{trigger.n}}' } }],
    },
  });
  assert.equal(orders.status, 201, JSON.stringify(orders.json));
  const other = await app.api('/api/v1/flows', {
    body: {
      name: 'Другое подключение',
      enabled: true,
      trigger: { connector: 'webhook', event: 'incoming' },
      steps: [{ id: 'hit', type: 'action', connector: 'http', action: 'request', connection: 'echo', input: { method: 'POST', url: '/hit', body: { n: '{{trigger.n}}' } } }],
    },
  });
  assert.equal(other.status, 201, JSON.stringify(other.json));
  const crmId = (await app.api('/api/v1/connections')).json.items.find((c: { name: string }) => c.name === 'crm').id;
  const ordersBefore = crm.state.orders.length;

  // The service goes down, then the webhooks come. The test ends the outage itself (after at least
  // the scaled two hours) once it has seen what happens during it: a loaded machine may take longer
  // than that to send the webhooks, and nothing here may depend on how fast it is.
  const downSince = Date.now();
  const down = await fetch(`${crm.baseUrl}/_sandbox/outage`, { method: 'POST', body: JSON.stringify({ status: 503, seconds: 24 * 3600 }) });
  assert.equal(down.status, 200);
  await sendAll(local(app, orders.json.webhookUrl), Array.from({ length: TOTAL }, (_, i) => ({ n: i + 1 })));

  // Seen by people: the connection is down, executions wait for it.
  const seen = await waitFor(async () => {
    const c = (await app.api(`/api/v1/connections/${crmId}`)).json;
    return c.health === 'down' && c.waiting > TOTAL / 2 ? c : undefined;
  }, 60_000, 'the circuit to open with executions waiting');
  assert.ok(seen.since, 'since when it is down');
  const waitingNow = await statusCounts(app, orders.json.id);
  assert.ok((waitingNow.waiting_for_service ?? 0) > 0, JSON.stringify(waitingNow));
  assert.equal(waitingNow.failed ?? 0, 0, JSON.stringify(waitingNow));
  const notes = (await app.api('/api/v1/notifications')).json.items as Array<{ kind: string; threshold: number; messageRu?: string; message_ru?: string }>;
  assert.ok(notes.some((n) => n.kind === 'circuit' && n.threshold === 0), `an "opened" notification: ${JSON.stringify(notes)}`);
  const metrics = await (await fetch(`${app.url}/metrics`)).text();
  // Open (2), or half open (1) when a probe went out since (one is due every 30 ms at this scale).
  assert.match(metrics, new RegExp(`svyazka_circuit_state\\{connector="retailcrm",circuit="conn:${crmId}"\\} [12]`));

  // Another connection's flow is not held up by the waiting ones: all of its executions finish while this one is down.
  await sendAll(local(app, other.json.webhookUrl), Array.from({ length: OTHER }, (_, i) => ({ n: i })));
  await waitFor(async () => ((await statusCounts(app, other.json.id)).succeeded ?? 0) === OTHER, 60_000, 'the other flow');
  const stillDown = (await app.api(`/api/v1/connections/${crmId}`)).json;
  assert.notEqual(stillDown.health, 'ok', 'the other flow finished while RetailCRM was still down');
  assert.ok(echo.received().filter((r) => r.path === '/hit').length >= OTHER);
  await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_SECONDS * 1000 - (Date.now() - downSince))));
  const up = await fetch(`${crm.baseUrl}/_sandbox/outage`, { method: 'POST', body: JSON.stringify({ status: 503, seconds: 0 }) });
  assert.equal(up.status, 200);

  // Back by itself: every execution succeeds, no manual action.
  let last: Record<string, number> = {};
  const done = await waitFor(async () => {
    last = await statusCounts(app, orders.json.id);
    return (last.succeeded ?? 0) === TOTAL ? last : undefined;
  }, 240_000, 'every execution to succeed after the outage').catch(async (error: Error) => {
    // What was left, and where: the failure says which part stopped draining.
    const circuit = await app.services.store.circuits.get(`conn:${crmId}`);
    const connection = (await app.api(`/api/v1/connections/${crmId}`)).json;
    throw new Error(`${error.message}: executions ${JSON.stringify(last)}, circuit ${JSON.stringify(circuit)}, connection health ${connection.health}, waiting ${connection.waiting}, queue ${JSON.stringify(app.services.queue?.depth() ?? null)}`);
  });
  assert.deepEqual(done, { succeeded: TOTAL });
  const after = (await app.api(`/api/v1/connections/${crmId}`)).json;
  assert.equal(after.health, 'ok');
  assert.equal(after.waiting, 0);

  // Each order exists once, under its step's idempotency key.
  const executions = (await app.services.store.listExecutions(app.workspaceId, { flowId: orders.json.id, limit: 100_000 })).items;
  const created = crm.state.orders.slice(ordersBefore);
  assert.equal(created.length, TOTAL);
  const keys = new Set(created.map((o) => o.externalId));
  for (const e of executions) assert.ok(keys.has(`svz-${e.id}-create`), `order of ${e.id}`);

  // Transactions: the orders, plus only the requests that met the outage (the opening failures, those in flight, the probes).
  const circuit = await app.services.store.circuits.get(`conn:${crmId}`);
  assert.ok(circuit && circuit.probes > 0, 'probes were sent');
  const creates = crm.outage.log.filter((e) => e.path === '/api/v5/orders/create');
  const refused = creates.filter((e) => e.status === 503).length;
  assert.equal(creates.filter((e) => e.status === 201).length, TOTAL, 'one create answered per order');
  const spent = (await app.services.store.plans.transactionsByFlow(app.workspaceId, monthOf(Date.now()))).find((r) => r.flowId === orders.json.id)!.transactions;
  assert.equal(spent, creates.length, 'every request the service saw is a transaction, and nothing else is');
  const workers = app.services.config.workers;
  // A request the sandbox refused for its rate is a 503 too: on a loaded machine the client's starts,
  // spaced at the rate, can reach it bunched (the drain's rate is measured in bench/outage.ts).
  const overRate = crm.rateLimited();
  assert.ok(refused <= SCALED_CIRCUIT.failures + workers + circuit.probes + overRate, `requests that met the outage: ${refused} (probes ${circuit.probes}, over the rate ${overRate})`);
  assert.ok(spent <= TOTAL + SCALED_CIRCUIT.failures + workers + circuit.probes + overRate, `transactions ${spent} ≤ ${TOTAL} + opening failures + in flight + ${circuit.probes} probes + ${overRate} over the rate`);
  const notesAfter = (await app.api('/api/v1/notifications')).json.items as Array<{ kind: string; threshold: number }>;
  assert.ok(notesAfter.some((n) => n.kind === 'circuit' && n.threshold === 1), 'a "closed" notification');
  process.stdout.write(`# outage: ${TOTAL} orders, ${refused} requests met the outage, ${circuit.probes} probes, ${overRate} refused for the rate, ${spent} transactions; busiest second ${maxPerSecond(creates)} requests (answered: ${maxPerSecond(creates.filter((e) => e.status === 201))}) (rate ${RATE})\n`);
});
