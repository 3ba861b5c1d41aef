// The circuit breaker on a real store (SQLite, or PostgreSQL with SVYAZKA_TEST_DATABASE_URL) with
// an injected clock: when it opens, what it refuses, its probes at growing intervals, closing on an
// answer; two breakers on one store (two processes) share the state; the retry schedule spans about a day.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { CircuitBreaker, CircuitOpenError, type CircuitTarget } from '../../src/engine/outbound/circuit-breaker.ts';
import { DEFAULT_RETRY, effectivePolicy, retryDelayMs, schedule } from '../../src/engine/retry-policy.ts';
import { validateFlow } from '../../src/engine/validate-flow.ts';
import { builtinConnectors } from '../../src/connectors/index.ts';
import { tempDataDir } from '../support/app.ts';
import { openTestStore, type TestStore } from '../support/database.ts';

let store: TestStore & { drop(): Promise<void> };
let dataDir: string;
let clock = 1_000_000;
const now = () => clock;
const settings = { failures: 3, failureRate: 0.5, windowMs: 10_000, minRequests: 10, probeMs: 1000, probeMaxMs: 4000, probeLeaseMs: 500, refreshMs: 10 };
let n = 0;
const target = (): CircuitTarget => ({ key: `conn:c${++n}`, workspaceId: 'ws1', connectionId: `c${n}`, connector: 'retailcrm', label: 'shop' });

before(async () => {
  dataDir = tempDataDir();
  store = await openTestStore(dataDir);
});
after(async () => {
  await store.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('opens after N transient failures in a row; refuses unsent; one probe at growing intervals; closes on an answer', async () => {
  const b = new CircuitBreaker({ store: store.circuits, settings, now });
  const changes: string[] = [];
  b.onChange((c) => changes.push(c.kind));
  const t = target();
  assert.equal(await b.admit(t, 'ex1'), 'closed');
  await b.record(t, 'ex1', 503, 'HTTP 503');
  await b.record(t, 'ex1', 200, 'ok'); // an answer breaks the streak
  for (let i = 0; i < 3; i++) await b.record(t, 'ex1', i === 1 ? null : 502, 'down');
  assert.deepEqual(changes, ['opened']);
  await assert.rejects(b.admit(t, 'ex2'), CircuitOpenError);
  const opened = (await store.circuits.get(t.key))!;
  assert.equal(opened.state, 'open');
  assert.equal(opened.nextProbeAt, clock + 1000);

  clock += 1000; // the probe is due: one caller gets it, the others are refused
  assert.equal(await b.admit(t, 'ex2'), 'probe');
  await assert.rejects(b.admit(t, 'ex3'), CircuitOpenError);
  await b.record(t, 'ex2', 503, 'still down'); // failed probe: the interval doubles
  let rec = (await store.circuits.get(t.key))!;
  assert.equal(rec.state, 'open');
  assert.equal(rec.probeIntervalMs, 2000);
  assert.equal(rec.probes, 1);
  clock += 1999;
  await assert.rejects(b.admit(t, 'ex3'), CircuitOpenError);
  clock += 1;
  assert.equal(await b.admit(t, 'ex3'), 'probe');
  await b.record(t, 'ex3', 500, 'still down');
  assert.equal((await store.circuits.get(t.key))!.probeIntervalMs, 4000);
  clock += 4000;
  assert.equal(await b.admit(t, 'ex4'), 'probe');
  await b.record(t, 'ex4', 404, 'answered'); // any answer but 408/425/5xx: the service is up
  rec = (await store.circuits.get(t.key))!;
  assert.equal(rec.state, 'closed');
  assert.equal(rec.probes, 3);
  assert.deepEqual(changes, ['opened', 'closed']);
  assert.equal(await b.admit(t, 'ex5'), 'closed');
});

test('a failure rate over the window opens it too; 429 and other 4xx do not count', async () => {
  const b = new CircuitBreaker({ store: store.circuits, settings: { ...settings, failures: 100 }, now });
  const t = target();
  for (let i = 0; i < 20; i++) await b.record(t, 'x', 429, 'rate');
  assert.equal(b.isOpen(t.key), false);
  clock += settings.windowMs; // those answers leave the window
  for (let i = 0; i < 10; i++) {
    await b.record(t, 'x', 200, 'ok');
    await b.record(t, 'x', 503, 'down');
  }
  assert.equal(b.isOpen(t.key), true);
});

test('two processes share one circuit through the store: one opens it, the other refuses; the probe is claimed once; a close by hand is heard', async () => {
  const one = new CircuitBreaker({ store: store.circuits, settings, now });
  const two = new CircuitBreaker({ store: store.circuits, settings, now });
  const t = target();
  for (let i = 0; i < 3; i++) await one.record(t, 'a', 503, 'down');
  assert.equal(two.isOpen(t.key), false, 'not yet read');
  await two.refresh();
  await assert.rejects(two.admit(t, 'b'), CircuitOpenError);
  clock += 1000;
  const claims = await Promise.allSettled([one.admit(t, 'p1'), two.admit(t, 'p2')]);
  assert.equal(claims.filter((c) => c.status === 'fulfilled' && c.value === 'probe').length, 1, 'one probe between both');
  // The probe's execution never sends: its lease runs out and the circuit is open again.
  clock += 600;
  await one.expireProbe((await store.circuits.get(t.key))!);
  assert.equal((await store.circuits.get(t.key))!.state, 'open');
  // An operator closes it (the CLI is a third process): the others hear it on their next read.
  const cli = new CircuitBreaker({ store: store.circuits, settings, now });
  const changes: boolean[] = [];
  cli.onChange((c) => changes.push(c.manual));
  await cli.closeByHand(t.key);
  assert.deepEqual(changes, [true]);
  await one.refresh();
  await two.refresh();
  assert.equal(await one.admit(t, 'x'), 'closed');
  assert.equal(await two.admit(t, 'y'), 'closed');
});

test('the line of a circuit: counted per circuit; a drain drops waiters whose executions are gone', async () => {
  const t = target();
  // The line holds ids of executions that do not exist here: the drain only drops them.
  for (const [id, since] of [['e3', 3], ['e1', 1], ['e2', 2]] as const) await store.circuits.park({ executionId: id, circuitKey: t.key, workspaceId: 'ws1', stepId: 's', since });
  assert.equal((await store.circuits.waitingCounts([t.key])).get(t.key), 3);
  assert.deepEqual(await store.circuits.release(t.key, 0, 100, 10), []);
  assert.equal((await store.circuits.waitingCounts([t.key])).get(t.key) ?? 0, 0);
});

test('a waiter parked by its first step (still queued) is neither dropped by a drain nor by "fail the waiting" before its status comes', async () => {
  const t = target();
  const ws = await store.ensureWorkspace(`circuit-line-${n}`, 'Line');
  const park = (id: string) => store.circuits.park({ executionId: id, circuitKey: t.key, workspaceId: ws.id, stepId: 's', since: 1 });
  const create = (id: string) => store.createExecution({ id, workspaceId: ws.id, flowId: 'flw_line', flowVersion: 1, webhookId: null, origin: 'manual', trigger: {}, nextRunAt: 0 });
  // The executor parks first and writes waiting_for_service next; a drain may come in between.
  // Nothing wrote `running` before a flow's first step, so the row still says queued.
  await create(`ex_line_${n}`);
  await park(`ex_line_${n}`);
  assert.deepEqual(await store.circuits.release(t.key, 0, 100, 10), [], 'not released before it waits');
  assert.equal(await store.circuits.failWaiting(t.key, 'given up', 0), 0, 'not failed before it waits');
  assert.equal((await store.circuits.waitingCounts([t.key])).get(t.key), 1, 'still in line');
  await store.updateExecution(`ex_line_${n}`, { status: 'waiting_for_service', nextRunAt: 365 * 24 * 3_600_000 });
  assert.deepEqual(await store.circuits.release(t.key, 5, 100, 10), [{ executionId: `ex_line_${n}`, runAt: 5 }]);
  assert.equal((await store.getExecutionStatus(`ex_line_${n}`)), 'queued');
  assert.equal((await store.circuits.waitingCounts([t.key])).get(t.key) ?? 0, 0);
  // A finished one leaves the line without a run.
  await create(`ex_done_${n}`);
  await park(`ex_done_${n}`);
  await store.updateExecution(`ex_done_${n}`, { status: 'succeeded', finishedAt: 1 });
  assert.deepEqual(await store.circuits.release(t.key, 0, 100, 10), []);
  assert.equal((await store.circuits.waitingCounts([t.key])).get(t.key) ?? 0, 0);
});

test('the default retry schedule spans about a day; per-step retry over the flow settings over the instance', () => {
  const total = schedule(DEFAULT_RETRY).reduce((a, b) => a + b, 0);
  // Equal jitter waits between half and all of each step: 17–35 h, about 26 h on average.
  assert.ok(total / 2 >= 16 * 3_600_000 && total <= 36 * 3_600_000, `${total / 3_600_000} h`);
  assert.equal(retryDelayMs(DEFAULT_RETRY, 1, undefined, () => 1), 5000);
  assert.equal(retryDelayMs(DEFAULT_RETRY, 2, undefined, () => 1), 15_000);
  assert.equal(retryDelayMs(DEFAULT_RETRY, 30, undefined, () => 1), 6 * 3_600_000);
  assert.equal(retryDelayMs(DEFAULT_RETRY, 1, 60_000, () => 1), 60_000, 'Retry-After honoured');
  const p = effectivePolicy({ maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 1000 }, { maxAttempts: 20, factor: 2 }, { maxAttempts: 3, baseDelayMs: undefined });
  assert.deepEqual(p, { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 1000, factor: 2 });
  const flow = validateFlow(
    { name: 'r', trigger: { connector: 'webhook', event: 'incoming' }, settings: { retry: { maxAttempts: 20, baseDelayMs: 1000, maxDelayMs: 3_600_000, factor: 2 } }, steps: [] },
    builtinConnectors(),
  );
  assert.equal(flow.settings?.retry?.factor, 2);
  assert.throws(() => validateFlow({ name: 'r', trigger: { connector: 'webhook', event: 'incoming' }, settings: { retry: { factor: 100 } }, steps: [] }, builtinConnectors()));
});
