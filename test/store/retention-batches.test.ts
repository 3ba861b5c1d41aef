// Retention's batches (issue 15): finished executions older than the cut go with their journals, a
// batch at a time, along an index (a sort of the whole table per batch stalled intake at 1 M rows);
// freed pages go back to the file system a bounded number per call. Runs on SQLite, or on
// PostgreSQL with SVYAZKA_TEST_DATABASE_URL (the SQLite file checks then skip).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDataDir } from '../support/app.ts';
import { openTestStore, SQLITE_ONLY, type TestStore } from '../support/database.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { PRUNABLE_BY_AGE } from '../../src/store/sqlite/plan-store.ts';
import type { ExecutionStatus } from '../../src/store/schema.ts';
import type { NewWebhook } from '../../src/store/types.ts';

const DAY = 86_400_000;

function webhook(id: string, workspaceId: string, receivedAt: number, body: unknown = { id }): NewWebhook {
  const raw = Buffer.from(JSON.stringify(body));
  return {
    id, workspaceId, flowId: 'flw_1', method: 'POST', headers: {}, query: {}, body, bodyKind: 'json',
    contentType: 'application/json', size: raw.length, ip: null, status: 'accepted', error: null, receivedAt, raw,
  };
}

/** SQL written for PostgreSQL ($1); SQLite gets `?`. */
async function runSql(store: TestStore, sql: string, params: Array<string | number>): Promise<void> {
  if (store instanceof SqliteStore) store.db.writeNow(() => store.db.runSql(sql.replace(/\$\d+/g, '?'), params));
  else await store.db.read.runSql(sql, params);
}

/** An execution of a webhook created at `createdAt`, with one journal entry; finished at `finishedAt` unless null. */
async function execution(store: TestStore, workspaceId: string, id: string, createdAt: number, finishedAt: number | null, status: ExecutionStatus = 'succeeded'): Promise<void> {
  const w = webhook(`wh_${id}`, workspaceId, createdAt);
  await store.acceptWebhook(w, { id, workspaceId, flowId: w.flowId, flowVersion: 1, webhookId: w.id, origin: 'webhook', trigger: w.body, triggerFromWebhook: true, nextRunAt: createdAt }, null);
  await store.saveStep({ executionId: id, stepId: 'send', idx: 0, type: 'action', status: 'succeeded', input: { a: 1 }, output: { ok: true }, error: null, attempts: 1, transactions: 1, resumeAt: null, startedAt: createdAt, finishedAt });
  if (finishedAt !== null) await store.updateExecution(id, { status, startedAt: createdAt, finishedAt });
  await runSql(store, 'UPDATE executions SET created_at = $1 WHERE id = $2', [createdAt, id]);
}

test('finished executions older than the cut go with their journals, a batch at a time; the rest stay', async () => {
  const dir = tempDataDir();
  const store = await openTestStore(dir);
  try {
    const ws = await store.ensureWorkspace('default', 'Default');
    const other = await store.ensureWorkspace('other', 'Other');
    const now = Date.now();
    const cut = now - 30 * DAY;
    await execution(store, ws.id, 'ex_done1', cut - 5 * DAY, cut - 5 * DAY + 50);
    await execution(store, ws.id, 'ex_done2', cut - 4 * DAY, cut - 4 * DAY + 50);
    await execution(store, ws.id, 'ex_failed', cut - 3 * DAY, cut - 3 * DAY + 50, 'failed');
    await execution(store, ws.id, 'ex_unfinished', cut - 6 * DAY, null);
    await execution(store, ws.id, 'ex_finished_after_cut', cut - 60_000, cut + 60_000);
    await execution(store, ws.id, 'ex_new', now - DAY, now - DAY + 50);
    await execution(store, other.id, 'ex_other_ws', cut - 5 * DAY, cut - 5 * DAY + 50);

    const batches: number[] = [];
    for (let i = 0; i < 10; i++) {
      const n = await store.plans.pruneExecutions(ws.id, cut, 2);
      batches.push(n);
      if (n < 2) break;
    }
    assert.deepEqual(batches, [2, 1]);
    for (const gone of ['ex_done1', 'ex_done2', 'ex_failed']) {
      assert.equal(await store.getExecution(ws.id, gone), undefined, gone);
      assert.deepEqual(await store.listSteps(gone), [], `${gone}: its journal too`);
    }
    for (const stays of ['ex_unfinished', 'ex_finished_after_cut', 'ex_new']) {
      assert.ok(await store.getExecution(ws.id, stays), stays);
      assert.equal((await store.listSteps(stays)).length, 1, `${stays}: its journal`);
    }
    assert.ok(await store.getExecution(other.id, 'ex_other_ws'), 'another workspace is pruned by its own plan');
  } finally {
    await store.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the batch of finished executions is read along an index, not sorted from the whole table', { skip: SQLITE_ONLY }, async () => {
  const dir = tempDataDir();
  const store = new SqliteStore(join(dir, 'svyazka.db'));
  try {
    await store.migrate();
    const plan = store.db.allSql<{ detail: string }>(`EXPLAIN QUERY PLAN ${PRUNABLE_BY_AGE}`, ['ws', 0, 0, 250]).map((r) => r.detail);
    assert.deepEqual(plan, ['SEARCH executions USING INDEX executions_ws_time (workspace_id=? AND created_at<?)']);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('freed pages go back to the file system, no more per call than asked', { skip: SQLITE_ONLY }, async () => {
  const dir = tempDataDir();
  const path = join(dir, 'svyazka.db');
  const store = new SqliteStore(path, { compress: false });
  try {
    await store.migrate();
    const ws = await store.ensureWorkspace('default', 'Default');
    const old = Date.now() - 40 * DAY;
    const text = 'x'.repeat(4000);
    for (let i = 0; i < 1000; i++) await store.acceptWebhook(webhook(`wh_${String(i).padStart(4, '0')}`, ws.id, old + i, { text, i }), null, null);
    const pragma = (name: string) => Number(Object.values(store.db.allSql<Record<string, number>>(`PRAGMA ${name}`, [])[0])[0]);
    const pages = () => pragma('page_count');
    const free = () => pragma('freelist_count');
    const full = pages();
    for (let i = 0; i < 100 && (await store.plans.pruneWebhooks(ws.id, Date.now(), 250)) > 0; i++);
    const freed = free();
    assert.ok(freed > 100, `pruning 4 MB frees pages (${freed})`);

    await store.plans.reclaimSpace(5);
    assert.equal(free(), freed - 5);
    await store.plans.reclaimSpace(1 << 20);
    assert.equal(free(), 0);
    assert.ok(pages() <= full - freed, `${pages()} pages of ${full}`);
    store.db.raw.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    assert.ok(statSync(path).size <= (full - freed) * pragma('page_size'));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
