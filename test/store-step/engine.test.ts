// `store` steps through a running app: webhooks over HTTP, the executor, the store (SQLite, or
// PostgreSQL with SVYAZKA_TEST_DATABASE_URL). Each operation, templates in keys and values,
// onNotFound, expiry (records written against an earlier clock), save-time validation, test runs
// that do not write, exactly-once journaling, and 1,000 concurrent executions on one key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, waitFor, type TestApp } from '../support/app.ts';

const FINAL = new Set(['succeeded', 'failed', 'filtered', 'stopped', 'cancelled']);

async function saveFlow(app: TestApp, name: string, steps: object[]): Promise<{ id: string; webhookUrl: string }> {
  const res = await app.api('/api/v1/flows', { body: { name, enabled: true, trigger: { connector: 'webhook', event: 'incoming' }, steps } });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json;
}

async function send(app: TestApp, webhookUrl: string, body: unknown): Promise<string> {
  const res = await fetch(webhookUrl.replace(app.services.config.publicUrl, app.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as { id: string };
  assert.equal(res.status, 200, JSON.stringify(json));
  return json.id;
}

async function executionOf(app: TestApp, webhookId: string) {
  return waitFor(async () => {
    const item = (await app.api(`/api/v1/executions?webhookId=${webhookId}`)).json.items?.[0];
    if (!item || !FINAL.has(item.status)) return undefined;
    return (await app.api(`/api/v1/executions/${item.id}`)).json;
  }, 60_000, `execution of ${webhookId}`);
}

const stepOf = (execution: { steps: Array<{ stepId: string }> }, id: string) => execution.steps.find((s) => s.stepId === id) as { status: string; output: any; error: string | null; input: any } | undefined;

describe('store steps', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app.close();
  });

  test('each operation, with templates in collection, key and value; outputs as documented', async () => {
    const flow = await saveFlow(app, 'ops', [
      { id: 'put', type: 'store', operation: 'set', collection: 'deals', key: 'order-{{trigger.number}}', value: { dealId: '{{trigger.deal}}', at: 'x' } },
      { id: 'read', type: 'store', operation: 'get', collection: 'deals', key: 'order-{{trigger.number}}' },
      { id: 'once', type: 'store', operation: 'setIfAbsent', collection: 'seen', key: '{{trigger.number}}', value: true },
      { id: 'again', type: 'store', operation: 'setIfAbsent', collection: 'seen', key: '{{trigger.number}}', value: true },
      { id: 'count', type: 'store', operation: 'increment', collection: 'counters', key: 'orders', value: '{{trigger.qty}}' },
      { id: 'log', type: 'store', operation: 'append', collection: 'logs', key: '{{trigger.number}}', value: '{{steps.read.value.dealId}}' },
      { id: 'drop', type: 'store', operation: 'delete', collection: 'seen', key: '{{trigger.number}}' },
      { id: 'after', type: 'set', values: { deal: '{{steps.read.value.dealId}}', found: '{{steps.read.found}}', set: '{{steps.once.set}}', n: '{{steps.count.value}}' } },
    ]);
    const ex = await executionOf(app, await send(app, flow.webhookUrl, { number: '100A', deal: 42, qty: 3 }));
    assert.equal(ex.status, 'succeeded', JSON.stringify(ex));
    assert.deepEqual(stepOf(ex, 'put')!.output, { value: { dealId: 42, at: 'x' } });
    assert.deepEqual(stepOf(ex, 'put')!.input, { operation: 'set', collection: 'deals', key: 'order-100A', value: { dealId: 42, at: 'x' } });
    assert.deepEqual(stepOf(ex, 'read')!.output, { found: true, value: { dealId: 42, at: 'x' } });
    assert.deepEqual(stepOf(ex, 'once')!.output, { set: true });
    assert.deepEqual(stepOf(ex, 'again')!.output, { set: false });
    assert.deepEqual(stepOf(ex, 'count')!.output, { value: 3 });
    assert.deepEqual(stepOf(ex, 'log')!.output, { value: [42] });
    assert.deepEqual(stepOf(ex, 'drop')!.output, { deleted: true });
    assert.deepEqual(stepOf(ex, 'after')!.output, { deal: 42, found: true, set: true, n: 3 });
    const c = app.services.store.collections;
    assert.deepEqual((await c.get(app.workspaceId, 'deals', 'order-100A', Date.now()))?.value, { dealId: 42, at: 'x' });
    assert.equal(await c.get(app.workspaceId, 'seen', '100A', Date.now()), undefined);
  });

  test('get that finds nothing: onNotFound continue, stop (default) and fail; an expired record is not found', async () => {
    const past = Date.now() - 3_600_000;
    await app.services.store.collections.write({ workspaceId: app.workspaceId, collection: 'links', key: 'old', write: { op: 'set', value: 1, ttlSeconds: 60 }, now: past, limits: { records: null, bytes: null } });
    await app.services.store.collections.write({ workspaceId: app.workspaceId, collection: 'links', key: 'fresh', write: { op: 'set', value: 2, ttlSeconds: 3600 }, now: Date.now(), limits: { records: null, bytes: null } });
    const flows = {
      cont: await saveFlow(app, 'nf-continue', [{ id: 'g', type: 'store', operation: 'get', collection: 'links', key: '{{trigger.k}}', onNotFound: 'continue' }, { id: 'next', type: 'set', values: { found: '{{steps.g.found}}' } }]),
      stop: await saveFlow(app, 'nf-stop', [{ id: 'g', type: 'store', operation: 'get', collection: 'links', key: '{{trigger.k}}' }, { id: 'next', type: 'set', values: { x: 1 } }]),
      fail: await saveFlow(app, 'nf-fail', [{ id: 'g', type: 'store', operation: 'get', collection: 'links', key: '{{trigger.k}}', onNotFound: 'fail' }]),
    };
    const cont = await executionOf(app, await send(app, flows.cont.webhookUrl, { k: 'old' }));
    assert.equal(cont.status, 'succeeded');
    assert.equal(stepOf(cont, 'g')!.status, 'not_found');
    assert.deepEqual(stepOf(cont, 'g')!.output, { found: false, value: null });
    assert.deepEqual(stepOf(cont, 'next')!.output, { found: false });
    const stop = await executionOf(app, await send(app, flows.stop.webhookUrl, { k: 'missing' }));
    assert.equal(stop.status, 'stopped');
    assert.equal(stepOf(stop, 'next'), undefined);
    const fail = await executionOf(app, await send(app, flows.fail.webhookUrl, { k: 'missing' }));
    assert.equal(fail.status, 'failed');
    assert.match(fail.error, /No record "missing" in collection "links"/);
    const found = await executionOf(app, await send(app, flows.stop.webhookUrl, { k: 'fresh' }));
    assert.equal(found.status, 'succeeded');
  });

  test('a write refused (not a number, not a list, empty key) fails the step with the reason and changes nothing', async () => {
    await app.services.store.collections.write({ workspaceId: app.workspaceId, collection: 'mixed', key: 'text', write: { op: 'set', value: 'abc' }, now: Date.now(), limits: { records: null, bytes: null } });
    const flow = await saveFlow(app, 'refused', [{ id: 'w', type: 'store', operation: 'increment', collection: 'mixed', key: '{{trigger.k}}' }]);
    const nan = await executionOf(app, await send(app, flow.webhookUrl, { k: 'text' }));
    assert.equal(nan.status, 'failed');
    assert.match(nan.error, /not a number/);
    const empty = await executionOf(app, await send(app, flow.webhookUrl, { k: '' }));
    assert.equal(empty.status, 'failed');
    assert.match(empty.error, /non-empty string or number/);
    const list = await saveFlow(app, 'refused-append', [{ id: 'w', type: 'store', operation: 'append', collection: 'mixed', key: 'text', value: 1 }]);
    assert.match((await executionOf(app, await send(app, list.webhookUrl, {}))).error, /not a list/);
    assert.equal((await app.services.store.collections.get(app.workspaceId, 'mixed', 'text', Date.now()))?.value, 'abc');
  });

  test('validation at save names the step and field', async () => {
    const bad = async (step: object) => {
      const res = await app.api('/api/v1/flows', { body: { name: `bad-${Math.random()}`, trigger: { connector: 'webhook', event: 'incoming' }, steps: [step] } });
      assert.equal(res.status, 422, JSON.stringify(res.json));
      return String(res.json.message);
    };
    assert.match(await bad({ id: 's', type: 'store', operation: 'pop', collection: 'c', key: 'k' }), /steps\[0\]/);
    assert.match(await bad({ id: 's', type: 'store', operation: 'set', collection: 'c', key: 'k' }), /steps\[0\] \(s\)\.value.*needs a value/);
    assert.match(await bad({ id: 's', type: 'store', operation: 'get', collection: 'c', key: 'k', value: 1 }), /takes no value/);
    assert.match(await bad({ id: 's', type: 'store', operation: 'get', collection: 'bad name!', key: 'k' }), /collection name/);
    assert.match(await bad({ id: 's', type: 'store', operation: 'set', collection: 'c', key: 'k', value: 1, ttlSeconds: 0 }), /ttlSeconds/);
    assert.match(await bad({ id: 's', type: 'store', operation: 'delete', collection: 'c', key: 'k', ttlSeconds: 5 }), /takes no ttlSeconds/);
    assert.match(await bad({ id: 's', type: 'store', operation: 'set', collection: 'c', key: 'k', value: 1, onNotFound: 'stop' }), /onNotFound is for "get" only/);
    assert.match(await bad({ id: 's', type: 'store', operation: 'increment', collection: 'c', key: 'k', value: 'abc' }), /increment takes a number/);
    assert.match(await bad({ id: 's', type: 'store', operation: 'get', collection: 'c', key: '' }), /key/);
    assert.match(await bad({ id: 's', type: 'store', operation: 'get', collection: 'c', key: '{{steps.nope.id}}' }), /steps\[0\] \(s\)\.key: unknown step id "nope"/);
    assert.match(await bad({ id: 's', type: 'store', operation: 'set', collection: 'c', key: 'k', value: { a: '{{trigger.x | nofilter}}' } }), /steps\[0\] \(s\)\.value\.a/);
  });

  test('a test run reads real records but does not write, and says so', async () => {
    await app.services.store.collections.write({ workspaceId: app.workspaceId, collection: 'tr', key: 'n', write: { op: 'set', value: 10 }, now: Date.now(), limits: { records: null, bytes: null } });
    const res = await app.api('/api/v1/flows/test-run', {
      body: {
        definition: { name: 'tr', trigger: { connector: 'webhook', event: 'incoming' }, steps: [
          { id: 'g', type: 'store', operation: 'get', collection: 'tr', key: 'n' },
          { id: 'inc', type: 'store', operation: 'increment', collection: 'tr', key: 'n' },
          { id: 'claim', type: 'store', operation: 'setIfAbsent', collection: 'tr', key: 'new', value: 1 },
        ] },
        sample: {},
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.status, 'succeeded');
    const [g, inc, claim] = res.json.steps;
    assert.deepEqual(g.output, { found: true, value: 10 });
    assert.deepEqual(inc.output, { value: 11 });
    assert.match(inc.note, /nothing was written/);
    assert.deepEqual(claim.output, { set: true });
    assert.equal((await app.services.store.collections.get(app.workspaceId, 'tr', 'n', Date.now()))?.value, 10);
    assert.equal(await app.services.store.collections.get(app.workspaceId, 'tr', 'new', Date.now()), undefined);
  });

  test('a finished store step is not repeated on retry: its result comes from the journal', async () => {
    const flow = await saveFlow(app, 'retry-once', [
      { id: 'inc', type: 'store', operation: 'increment', collection: 'retry', key: 'n' },
      { id: 'boom', type: 'store', operation: 'increment', collection: 'retry', key: '{{trigger.k}}' },
    ]);
    await app.services.store.collections.write({ workspaceId: app.workspaceId, collection: 'retry', key: 'text', write: { op: 'set', value: 'x' }, now: Date.now(), limits: { records: null, bytes: null } });
    const ex = await executionOf(app, await send(app, flow.webhookUrl, { k: 'text' }));
    assert.equal(ex.status, 'failed');
    await app.services.store.collections.write({ workspaceId: app.workspaceId, collection: 'retry', key: 'text', write: { op: 'set', value: 5 }, now: Date.now(), limits: { records: null, bytes: null } });
    const retried = await app.api(`/api/v1/executions/${ex.id}/retry`, { body: {} });
    assert.equal(retried.status, 200, JSON.stringify(retried.json));
    const done = await waitFor(async () => {
      const e = (await app.api(`/api/v1/executions/${ex.id}`)).json;
      return FINAL.has(e.status) ? e : undefined;
    }, 60_000, 'the retried execution');
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    assert.deepEqual(stepOf(done, 'inc')!.output, { value: 1 });
    assert.deepEqual(stepOf(done, 'boom')!.output, { value: 6 });
    assert.equal((await app.services.store.collections.get(app.workspaceId, 'retry', 'n', Date.now()))?.value, 1, 'the first step ran once');
  });

  test('1,000 concurrent executions: increment exactly 1,000, setIfAbsent true exactly once', async () => {
    const flow = await saveFlow(app, 'concurrent', [
      { id: 'inc', type: 'store', operation: 'increment', collection: 'load', key: 'hits' },
      { id: 'claim', type: 'store', operation: 'setIfAbsent', collection: 'load', key: 'winner', value: '{{trigger.n}}' },
    ]);
    const url = flow.webhookUrl.replace(app.services.config.publicUrl, app.url);
    const ids: string[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 50 }, async () => {
      while (next < 1000) {
        const n = next++;
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });
        assert.equal(res.status, 200);
        ids.push(((await res.json()) as { id: string }).id);
      }
    }));
    const store = app.services.store;
    await waitFor(async () => {
      const page = await store.listExecutions(app.workspaceId, { flowId: flow.id, limit: 1000 });
      return page.items.length === 1000 && page.items.every((e) => FINAL.has(e.status)) ? page : undefined;
    }, 300_000, '1,000 executions to finish');
    const page = await store.listExecutions(app.workspaceId, { flowId: flow.id, limit: 1000 });
    assert.ok(page.items.every((e) => e.status === 'succeeded'));
    assert.equal((await store.collections.get(app.workspaceId, 'load', 'hits', Date.now()))?.value, 1000);
    let winners = 0;
    const values = new Set<number>();
    for (const e of page.items) {
      const steps = await store.listSteps(e.id);
      values.add((steps.find((s) => s.stepId === 'inc')!.output as { value: number }).value);
      if ((steps.find((s) => s.stepId === 'claim')!.output as { set: boolean }).set) winners++;
    }
    assert.equal(winners, 1);
    assert.equal(values.size, 1000, 'each execution journaled its own count');
  });
});
