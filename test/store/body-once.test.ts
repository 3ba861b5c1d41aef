// The body is stored once (issue 14/15): a webhook keeps the exact bytes that arrived, its
// execution keeps no copy and reads its trigger from the webhook row; executions that may still
// run get a copy before retention deletes their webhook; rows written before 0014 read as before.
// Runs on SQLite, or on PostgreSQL with SVYAZKA_TEST_DATABASE_URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tempDataDir } from '../support/app.ts';
import { openTestStore, type TestStore } from '../support/database.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { NewExecution, NewWebhook } from '../../src/store/types.ts';
import { parseWebhookBody } from '../../src/intake/body.ts';
import { mergeQuery } from '../../src/lib/merge-query.ts';

/** Numbers JSON.parse would change (precision, trailing zeros) and text zstd has something to do with. */
const RAW = `{"order":{"id":12345678901234567890,"sum":1.10,"number":"A-1","comment":"${'Кофеварка капельная, '.repeat(40)}"}}`;

function webhook(id: string, workspaceId: string, receivedAt: number, query: Record<string, unknown> = {}): NewWebhook {
  const raw = Buffer.from(RAW);
  const parsed = parseWebhookBody(raw, 'application/json; charset=utf-8');
  return {
    id, workspaceId, flowId: 'flw_1', method: 'POST', headers: { 'content-type': 'application/json' }, query, body: parsed.body, bodyKind: parsed.kind,
    contentType: 'application/json; charset=utf-8', size: raw.length, ip: '127.0.0.1', status: 'accepted', error: null, receivedAt, raw,
  };
}

function execution(id: string, w: NewWebhook): NewExecution {
  return { id, workspaceId: w.workspaceId, flowId: w.flowId, flowVersion: 1, webhookId: w.id, origin: 'webhook', trigger: mergeQuery(w.body, w.query), triggerFromWebhook: true, nextRunAt: 0 };
}

/** A row read with SQL written for PostgreSQL ($1); SQLite gets `?`. */
async function rawRow(store: TestStore, sql: string, params: string[]): Promise<Record<string, unknown> | undefined> {
  if (store instanceof SqliteStore) return store.db.allSql<Record<string, unknown>>(sql.replace(/\$\d+/g, '?'), params)[0];
  return (await store.db.read.allSql<Record<string, unknown>>(sql, params))[0];
}

test('a webhook is stored once, byte for byte; its execution derives the trigger from it', async () => {
  const dir = tempDataDir();
  const store = await openTestStore(dir);
  try {
    const ws = await store.ensureWorkspace('default', 'Default');
    const w = webhook('wh_1', ws.id, Date.now(), { utm: 'cpc' });
    await store.acceptWebhook(w, execution('ex_1', w), null);

    const stored = await store.getWebhook(ws.id, 'wh_1');
    assert.equal(stored?.rawText, RAW, 'the exact bytes, big integer and 1.10 included');
    assert.deepEqual(stored?.body, w.body);
    const row = await rawRow(store, 'SELECT trigger FROM executions WHERE id = $1', ['ex_1']);
    assert.equal(row?.trigger, '', 'no copy of the body in the execution');
    const body = await rawRow(store, 'SELECT length(raw) AS n FROM webhooks WHERE id = $1', ['wh_1']);
    assert.ok(Number(body?.n) < RAW.length / 2, `the body is compressed (${body?.n} of ${RAW.length} bytes)`);

    // Read back by id, in a list, and when the executor loads it (from another store: no hand-off).
    const expected = mergeQuery(w.body, { utm: 'cpc' });
    assert.deepEqual((await store.getExecution(ws.id, 'ex_1'))?.trigger, expected);
    assert.deepEqual((await store.listExecutions(ws.id, { limit: 10 })).items[0].trigger, expected);
    assert.deepEqual((await store.loadExecution('ex_1'))?.execution.trigger, expected);
    assert.deepEqual((await store.loadExecution('ex_1'))?.execution.trigger, expected, 'a second load reads it from the webhook row');

    // A poll or manual execution keeps its own trigger.
    await store.createExecution({ id: 'ex_manual', workspaceId: ws.id, flowId: 'flw_1', flowVersion: 1, webhookId: null, origin: 'manual', trigger: { a: 1 }, nextRunAt: 0 });
    assert.deepEqual((await store.getExecution(ws.id, 'ex_manual'))?.trigger, { a: 1 });
  } finally {
    await store.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('retention: executions that may still run keep their trigger after their webhook is pruned', async () => {
  const dir = tempDataDir();
  const store = await openTestStore(dir);
  try {
    const ws = await store.ensureWorkspace('default', 'Default');
    const old = Date.now() - 40 * 86_400_000;
    const statuses = ['succeeded', 'failed', 'queued'] as const;
    for (const [i, status] of statuses.entries()) {
      const w = webhook(`wh_${i}`, ws.id, old + i);
      await store.acceptWebhook(w, execution(`ex_${status}`, w), null);
      if (status !== 'queued') await store.updateExecution(`ex_${status}`, { status, finishedAt: old + 10 });
    }
    assert.equal(await store.plans.pruneWebhooks(ws.id, Date.now() - 30 * 86_400_000, 500), 3);
    assert.equal(await store.getWebhook(ws.id, 'wh_0'), undefined);
    assert.deepEqual((await store.getExecution(ws.id, 'ex_failed'))?.trigger, JSON.parse(RAW), 'failed: may be retried');
    assert.deepEqual((await store.loadExecution('ex_queued'))?.execution.trigger, JSON.parse(RAW), 'unfinished: will run');
    assert.equal((await store.getExecution(ws.id, 'ex_succeeded'))?.trigger, null, 'finished: history older than the plan keeps is gone');
  } finally {
    await store.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rows written before 0014 (JSON body, a trigger copy) read as they did', async () => {
  const dir = tempDataDir();
  const store = await openTestStore(dir);
  try {
    const ws = await store.ensureWorkspace('default', 'Default');
    const w = { ...webhook('wh_old', ws.id, Date.now()), raw: undefined };
    const e = { ...execution('ex_old', w), triggerFromWebhook: false };
    await store.acceptWebhook(w, e, null);
    assert.equal((await store.getWebhook(ws.id, 'wh_old'))?.rawText, null);
    assert.deepEqual((await store.getWebhook(ws.id, 'wh_old'))?.body, w.body);
    assert.deepEqual((await store.getExecution(ws.id, 'ex_old'))?.trigger, w.body);
    assert.notEqual((await rawRow(store, 'SELECT trigger FROM executions WHERE id = $1', ['ex_old']))?.trigger, '');
  } finally {
    await store.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('what the executor loads of an execution just accepted is its row, and a cancel before it runs is seen', async () => {
  const dir = tempDataDir();
  const store = await openTestStore(dir);
  try {
    const ws = await store.ensureWorkspace('default', 'Default');
    const w = webhook('wh_h1', ws.id, Date.now());
    await store.acceptWebhook(w, { ...execution('ex_h1', w), nextRunAt: 1234 }, null);
    const handed = (await store.loadExecution('ex_h1'))!;
    // Taken the first time; the second load reads the row: both must say the same.
    const read = (await store.loadExecution('ex_h1'))!;
    assert.deepEqual(handed, read);
    assert.equal(handed.execution.status, 'queued');
    assert.equal(handed.execution.nextRunAt, 1234);
    assert.deepEqual(handed.steps, []);

    // Cancelled between its acceptance and its run: the run sees it cancelled.
    const w2 = webhook('wh_h2', ws.id, Date.now());
    await store.acceptWebhook(w2, execution('ex_h2', w2), null);
    await store.updateExecution('ex_h2', { status: 'cancelled', finishedAt: Date.now() });
    assert.equal((await store.loadExecution('ex_h2'))?.execution.status, 'cancelled');

    // A repeat whose delivery key is taken starts nothing, and nothing is handed on for it.
    const w3 = webhook('wh_h3', ws.id, Date.now());
    await store.acceptWebhook(w3, { ...execution('ex_h3', w3), dedupeKey: 'delivery:k1' }, null);
    const w4 = webhook('wh_h4', ws.id, Date.now());
    await store.acceptWebhook(w4, { ...execution('ex_h4', w4), dedupeKey: 'delivery:k1' }, null);
    assert.equal(await store.loadExecution('ex_h4'), undefined);
    assert.equal((await store.loadExecution('ex_h3'))?.execution.id, 'ex_h3');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
