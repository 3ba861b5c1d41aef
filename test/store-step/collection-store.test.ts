// The collection store itself, on the suite's database (SQLite, or PostgreSQL with
// SVYAZKA_TEST_DATABASE_URL): each write, expiry against an injected clock, paging by prefix,
// usage and plan limits, the TTL sweep, dry runs, and exactness under concurrent writers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tempDataDir } from '../support/app.ts';
import { openTestStore } from '../support/database.ts';
import { CollectionError, exportRecords, type CollectionLimits, type CollectionWrite } from '../../src/store/collections.ts';
import type { StepRecord } from '../../src/store/types.ts';

const NONE: CollectionLimits = { records: null, bytes: null };
const T0 = Date.UTC(2026, 2, 1);

async function withStore(fn: (store: Awaited<ReturnType<typeof openTestStore>>, ws: string) => Promise<void>): Promise<void> {
  const dir = tempDataDir();
  const store = await openTestStore(dir);
  try {
    const ws = await store.ensureWorkspace('default', 'Default');
    await fn(store, ws.id);
  } finally {
    await store.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('each write: set, setIfAbsent, increment, append, delete; errors change nothing', async () => {
  await withStore(async (store, ws) => {
    const c = store.collections;
    const w = (key: string, write: CollectionWrite, now = T0, limits = NONE) => c.write({ workspaceId: ws, collection: 'deals', key, write, now, limits });
    assert.deepEqual((await w('100A', { op: 'set', value: { dealId: 42 } })).output, { value: { dealId: 42 } });
    assert.deepEqual((await c.get(ws, 'deals', '100A', T0))?.value, { dealId: 42 });
    assert.deepEqual((await w('100A', { op: 'setIfAbsent', value: 'x' })).output, { set: false });
    assert.deepEqual((await w('100B', { op: 'setIfAbsent', value: 'x' })).output, { set: true });
    assert.deepEqual((await w('n', { op: 'increment', by: 1 })).output, { value: 1 });
    assert.deepEqual((await w('n', { op: 'increment', by: 2.5 })).output, { value: 3.5 });
    assert.deepEqual((await w('list', { op: 'append', value: { a: 1 } })).output, { value: [{ a: 1 }] });
    assert.deepEqual((await w('list', { op: 'append', value: [2] })).output, { value: [{ a: 1 }, [2]] });
    await assert.rejects(w('100A', { op: 'increment', by: 1 }), (e: unknown) => e instanceof CollectionError && e.code === 'not_a_number' && /не число/.test(e.message) && /not a number/.test(e.message));
    await assert.rejects(w('n', { op: 'append', value: 1 }), (e: unknown) => e instanceof CollectionError && e.code === 'not_a_list');
    await assert.rejects(w('big', { op: 'set', value: 'x'.repeat(64 * 1024) }), (e: unknown) => e instanceof CollectionError && e.code === 'too_large');
    assert.equal(await c.get(ws, 'deals', 'big', T0), undefined);
    assert.deepEqual((await c.get(ws, 'deals', 'n', T0))?.value, 3.5, 'a refused write changed nothing');
    assert.deepEqual((await w('100B', { op: 'delete' })).output, { deleted: true });
    assert.deepEqual((await w('100B', { op: 'delete' })).output, { deleted: false });
    assert.equal(await c.get(ws, 'deals', '100B', T0), undefined);
    // Another workspace sees none of it.
    const other = await store.ensureWorkspace('other', 'Other');
    assert.equal(await c.get(other.id, 'deals', '100A', T0), undefined);
    assert.deepEqual(await c.listCollections(other.id, T0), []);
  });
});

test('TTL against an injected clock: expired reads as absent, setIfAbsent takes it, the sweep deletes it and frees usage', async () => {
  await withStore(async (store, ws) => {
    const c = store.collections;
    await c.write({ workspaceId: ws, collection: 'seen', key: 'a', write: { op: 'set', value: 1, ttlSeconds: 60 }, now: T0, limits: NONE });
    await c.write({ workspaceId: ws, collection: 'seen', key: 'b', write: { op: 'set', value: 2 }, now: T0, limits: NONE });
    assert.equal((await c.get(ws, 'seen', 'a', T0 + 59_999))?.value, 1);
    assert.equal((await c.get(ws, 'seen', 'a', T0 + 60_000))?.expiresAt ?? 'absent', 'absent');
    assert.deepEqual((await c.list(ws, 'seen', { limit: 10 }, T0 + 60_000)).items.map((r) => r.key), ['b']);
    // An increment keeps a live record's expiry; on an expired one it starts again from 0.
    await c.write({ workspaceId: ws, collection: 'seen', key: 'n', write: { op: 'increment', by: 5, ttlSeconds: 10 }, now: T0, limits: NONE });
    const kept = await c.write({ workspaceId: ws, collection: 'seen', key: 'n', write: { op: 'increment', by: 1 }, now: T0 + 5_000, limits: NONE });
    assert.deepEqual(kept.output, { value: 6 });
    assert.equal((await c.get(ws, 'seen', 'n', T0 + 5_000))?.expiresAt, T0 + 10_000);
    assert.deepEqual((await c.write({ workspaceId: ws, collection: 'seen', key: 'n', write: { op: 'increment', by: 1 }, now: T0 + 10_000, limits: NONE })).output, { value: 1 });
    assert.equal((await c.get(ws, 'seen', 'n', T0 + 10_000))?.expiresAt, null, 'restarted without ttlSeconds: no expiry');
    assert.deepEqual((await c.write({ workspaceId: ws, collection: 'seen', key: 'a', write: { op: 'setIfAbsent', value: 3, ttlSeconds: 1 }, now: T0 + 60_000, limits: NONE })).output, { set: true });

    const before = await c.usage(ws);
    assert.equal(before.records, 3);
    assert.equal(await c.sweepExpired(T0 + 61_000, 100), 1);
    const after = await c.usage(ws);
    assert.equal(after.records, 2);
    assert.ok(after.bytes < before.bytes);
    assert.equal(await c.sweepExpired(T0 + 61_000, 100), 0);
  });
});

test('list by prefix with paging in key order, export walks every page, collections summarised', async () => {
  await withStore(async (store, ws) => {
    const c = store.collections;
    const keys = ['a1', 'a2', 'a10', 'b1', 'ab', 'a', 'ж1', 'жж'];
    for (const key of keys) await c.write({ workspaceId: ws, collection: 'k', key, write: { op: 'set', value: key }, now: T0, limits: NONE });
    await c.write({ workspaceId: ws, collection: 'other', key: 'x', write: { op: 'set', value: 1 }, now: T0, limits: NONE });
    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await c.list(ws, 'k', { prefix: 'a', after, limit: 2 }, T0);
      seen.push(...page.items.map((r) => r.key));
      if (!page.next) break;
      after = page.next;
    }
    assert.deepEqual(seen, ['a', 'a1', 'a10', 'a2', 'ab']);
    assert.deepEqual((await c.list(ws, 'k', { prefix: 'ж', limit: 10 }, T0)).items.map((r) => r.key), ['ж1', 'жж']);
    const all: string[] = [];
    for await (const r of exportRecords(c, ws, 'k', T0, { pageSize: 3 })) all.push(r.key);
    assert.deepEqual(all, [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    assert.deepEqual(await c.listCollections(ws, T0), [{ name: 'k', records: 8 }, { name: 'other', records: 1 }]);
  });
});

test('plan limits: records and bytes refused with a bilingual message, nothing written; shrinking writes still pass', async () => {
  await withStore(async (store, ws) => {
    const c = store.collections;
    const limits = { records: 2, bytes: 200 };
    await c.write({ workspaceId: ws, collection: 'c', key: 'a', write: { op: 'set', value: 1 }, now: T0, limits });
    await c.write({ workspaceId: ws, collection: 'c', key: 'b', write: { op: 'set', value: 2 }, now: T0, limits });
    await assert.rejects(
      c.write({ workspaceId: ws, collection: 'c', key: 'c', write: { op: 'set', value: 3 }, now: T0, limits }),
      (e: unknown) => e instanceof CollectionError && e.code === 'limit_records' && /лимит/.test(e.message) && /limit of 2 records/.test(e.message),
    );
    assert.equal(await c.get(ws, 'c', 'c', T0), undefined);
    assert.deepEqual(await c.usage(ws), { records: 2, bytes: 4 });
    await assert.rejects(
      c.write({ workspaceId: ws, collection: 'c', key: 'a', write: { op: 'set', value: 'x'.repeat(300) }, now: T0, limits }),
      (e: unknown) => e instanceof CollectionError && e.code === 'limit_bytes',
    );
    await c.write({ workspaceId: ws, collection: 'c', key: 'a', write: { op: 'set', value: 5 }, now: T0, limits });
    await c.write({ workspaceId: ws, collection: 'c', key: 'a', write: { op: 'delete' }, now: T0, limits });
    await c.write({ workspaceId: ws, collection: 'c', key: 'c', write: { op: 'set', value: 3 }, now: T0, limits });
    assert.deepEqual(await c.usage(ws), { records: 2, bytes: 4 });
  });
});

test('a dry run answers what the write would do and changes nothing', async () => {
  await withStore(async (store, ws) => {
    const c = store.collections;
    await c.write({ workspaceId: ws, collection: 'c', key: 'n', write: { op: 'increment', by: 1 }, now: T0, limits: NONE });
    const dry = await c.write({ workspaceId: ws, collection: 'c', key: 'n', write: { op: 'increment', by: 1 }, now: T0, limits: NONE, dryRun: true });
    assert.deepEqual(dry.output, { value: 2 });
    assert.equal((await c.get(ws, 'c', 'n', T0))?.value, 1);
    assert.deepEqual(await c.usage(ws), { records: 1, bytes: 2 });
  });
});

test('1,000 concurrent increments and setIfAbsent on one key are exact; a step commits its journal entry with the write, once', async () => {
  await withStore(async (store, ws) => {
    const c = store.collections;
    const incs = await Promise.all(
      Array.from({ length: 1000 }, () => c.write({ workspaceId: ws, collection: 'c', key: 'n', write: { op: 'increment', by: 1 }, now: T0, limits: NONE })),
    );
    assert.equal((await c.get(ws, 'c', 'n', T0))?.value, 1000);
    assert.deepEqual(new Set(incs.map((r) => (r.output as { value: number }).value)).size, 1000, 'each increment saw its own value');
    const sets = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => c.write({ workspaceId: ws, collection: 'c', key: 'once', write: { op: 'setIfAbsent', value: i }, now: T0, limits: NONE })),
    );
    assert.equal(sets.filter((r) => (r.output as { set: boolean }).set).length, 1);

    // The journal entry: the same step written twice (a second run of one execution) writes once.
    await store.createExecution({ id: 'ex_1', workspaceId: ws, flowId: 'flw', flowVersion: 1, webhookId: null, origin: 'manual', trigger: {}, nextRunAt: 0 });
    const record = (output: unknown): StepRecord => ({ executionId: 'ex_1', stepId: 'count', idx: 0, type: 'store', status: 'succeeded', input: {}, output, error: null, attempts: 1, transactions: 0, resumeAt: null, startedAt: T0, finishedAt: T0 });
    const step = { executionId: 'ex_1', stepId: 'count', record };
    const twice = await Promise.all([1, 2].map(() => c.write({ workspaceId: ws, collection: 'c', key: 'n', write: { op: 'increment', by: 1 }, now: T0, limits: NONE, step })));
    assert.deepEqual(twice.map((r) => r.output), [{ value: 1001 }, { value: 1001 }]);
    assert.deepEqual(twice.map((r) => r.replayed).sort(), [false, true]);
    assert.equal((await c.get(ws, 'c', 'n', T0))?.value, 1001);
    const steps = await store.listSteps('ex_1');
    assert.deepEqual(steps.map((s) => [s.stepId, s.status, s.output]), [['count', 'succeeded', { value: 1001 }]]);
  });
});
