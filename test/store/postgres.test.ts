// The PostgreSQL store under concurrency, on a real server (127.0.0.1:5432 or
// SVYAZKA_TEST_DATABASE_URL): quotas granted exactly, leases never handed to two workers, a
// webhook visible only once its promise resolved, the dedupe key's unique constraint, migrations
// run by processes starting together. Skipped, saying why, when no PostgreSQL answers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { NewExecution, NewWebhook } from '../../src/store/types.ts';
import { createTestDatabase, dropTestDatabase, postgresReachable, TEST_DATABASE_URL } from '../support/database.ts';

const ADMIN = TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const reachable = await postgresReachable(ADMIN);
const skip = reachable ? false : `no PostgreSQL answers at ${new URL(ADMIN).host} (start it, or set SVYAZKA_TEST_DATABASE_URL to an admin URL)`;

// These tests run on the local server even when the suite runs on SQLite.
const create = () => createTestDatabase(ADMIN);
const drop = (url: string) => dropTestDatabase(url, ADMIN);

describe('PostgreSQL store', { skip }, () => {
  let url: string;
  let store: PostgresStore;
  let workspaceId: string;

  before(async () => {
    url = await create();
    store = new PostgresStore(url, { max: 20 });
    await store.migrate();
    workspaceId = (await store.ensureWorkspace('default', 'Default')).id;
  });

  after(async () => {
    await store?.close();
    if (url) await drop(url);
  });

  const webhook = (id: string, flowId: string): NewWebhook => ({
    id,
    workspaceId,
    flowId,
    method: 'POST',
    headers: {},
    query: {},
    body: { id },
    bodyKind: 'json',
    contentType: 'application/json',
    size: 10,
    ip: '127.0.0.1',
    status: 'accepted',
    error: null,
    receivedAt: Date.now(),
  });
  const execution = (id: string, flowId: string, extra: Partial<NewExecution> = {}): NewExecution => ({
    id,
    workspaceId,
    flowId,
    flowVersion: 1,
    webhookId: null,
    origin: 'manual',
    trigger: {},
    nextRunAt: 0,
    ...extra,
  });

  test('bigint columns come back as numbers', async () => {
    const ws = await store.getWorkspace(workspaceId);
    assert.equal(typeof ws!.createdAt, 'number');
    await store.plans.appendLedger([{ id: 'led_1', workspaceId, kind: 'top_up', amountKopecks: 150_000, reason: 'r', actor: 'a', createdAt: 1 }]);
    assert.equal(await store.plans.balance(workspaceId), 150_000);
  });

  test('20 concurrent takers, 100 attempts against a quota of 50: exactly 50 granted', async () => {
    const take = () => store.plans.takeQuota({ workspaceId, kind: 'transactions', day: '2026-03-05', month: '2026-03', count: 1, limit: 50 });
    let next = 0;
    let granted = 0;
    let refused = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < 100) {
          next++;
          if ((await take()).granted) granted++;
          else refused++;
        }
      }),
    );
    assert.equal(granted, 50);
    assert.equal(refused, 50);
    assert.equal((await store.plans.usageBetween(workspaceId, '2026-03-01', '2026-03-31')).transactions, 50);
  });

  test('two stores (two processes) claiming the same executions: each is granted once', async () => {
    const other = new PostgresStore(url);
    try {
      const ids = Array.from({ length: 60 }, (_, i) => `ex_claim_${String(i).padStart(2, '0')}`);
      for (const id of ids) await store.createExecution(execution(id, 'flw_claim'));
      const now = Date.now();
      const claimers = [store, other, store, other].map((s, i) => async () => {
        const mine: string[] = [];
        await Promise.all(ids.map(async (id) => (await s.claimExecution(id, `worker-${i}`, now, 60_000)) && mine.push(id)));
        return mine;
      });
      const results = await Promise.all(claimers.map((c) => c()));
      const all = results.flat();
      assert.equal(new Set(all).size, all.length, 'an execution was claimed twice');
      assert.deepEqual([...all].sort(), ids, 'every execution was claimed by someone');
      // A held lease is refused to another worker, renewed for its holder, free again once released or expired.
      const holder = results.findIndex((mine) => mine.length > 0);
      const first = results[holder][0]!;
      assert.equal(await other.claimExecution(first, 'worker-x', now, 60_000), false);
      assert.equal(await store.claimExecution(first, `worker-${holder}`, now, 60_000), true);
      assert.equal(await other.claimExecution(first, 'worker-x', now + 60_001, 1000), true);
      await other.releaseExecution(first, 'worker-x');
      assert.equal(await store.claimExecution(first, 'worker-y', now, 1000), true);
    } finally {
      await other.close();
    }
  });

  test('one poll lease per trigger at a time; the trigger has no cursor until polled', async () => {
    const now = Date.now();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claimPoll('flw_poll', `worker-${i}`, now, 30_000)));
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(await store.getTriggerCursor('flw_poll'), undefined);
    await store.commitPoll('flw_poll', { after: 5 }, [], null, now);
    assert.deepEqual((await store.getTriggerCursor('flw_poll'))?.cursor, { after: 5 });
  });

  test('an accepted webhook and its execution are readable, from another connection, once the promise resolves', async () => {
    const reader = new pg.Pool({ connectionString: url, max: 4 });
    try {
      const seen = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const id = `wh_vis_${i}`;
          await store.acceptWebhook(webhook(id, 'flw_vis'), execution(`ex_vis_${i}`, 'flw_vis', { webhookId: id, origin: 'webhook' }), '2026-03-05');
          const hooks = await reader.query('SELECT id FROM webhooks WHERE id = $1', [id]);
          const runs = await reader.query('SELECT id FROM executions WHERE webhook_id = $1', [id]);
          return hooks.rowCount === 1 && runs.rowCount === 1;
        }),
      );
      assert.deepEqual(seen, seen.map(() => true));
      // 50 webhooks through the group commit, counted once each.
      assert.ok((await store.plans.usageBetween(workspaceId, '2026-03-05', '2026-03-05')).webhooks >= 50);
    } finally {
      await reader.end();
    }
  });

  test('a failing webhook in a batch fails alone; the others are stored', async () => {
    await store.acceptWebhook(webhook('wh_dup', 'flw_batch'), null, '2026-03-06');
    const results = await Promise.allSettled([
      store.acceptWebhook(webhook('wh_b1', 'flw_batch'), null, '2026-03-06'),
      store.acceptWebhook(webhook('wh_dup', 'flw_batch'), null, '2026-03-06'),
      store.acceptWebhook(webhook('wh_b2', 'flw_batch'), null, '2026-03-06'),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.ok(await store.getWebhook(workspaceId, 'wh_b1'));
    assert.ok(await store.getWebhook(workspaceId, 'wh_b2'));
  });

  test('a known (flow, dedupe key) creates no second execution, even when both arrive at once', async () => {
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.commitPoll('flw_dedupe', { n: i }, [execution(`ex_dd_${i}`, 'flw_dedupe', { origin: 'poll', dedupeKey: 'order-42' })], null, Date.now())),
    );
    assert.equal(created.flat().length, 1);
    const rows = await store.listExecutions(workspaceId, { flowId: 'flw_dedupe', limit: 20 });
    assert.equal(rows.items.length, 1);
    // Through intake too: the second webhook is stored, its execution is not.
    await store.acceptWebhook(webhook('wh_dd_1', 'flw_dedupe'), execution('ex_dd_w1', 'flw_dedupe', { webhookId: 'wh_dd_1', origin: 'webhook', dedupeKey: 'order-42' }), '2026-03-06');
    assert.ok(await store.getWebhook(workspaceId, 'wh_dd_1'));
    assert.equal((await store.listExecutions(workspaceId, { flowId: 'flw_dedupe', limit: 20 })).items.length, 1);
  });

  test('the change feed: rows in seq order, lastSeq never ahead of what is readable', async () => {
    const before = await store.changes.lastSeq();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.saveFlow({ id: `flw_feed_${i}`, workspaceId, name: `feed ${i}`, enabled: false, definition: { i }, hookToken: null }),
      ),
    );
    const last = await store.changes.lastSeq();
    const rows = await store.changes.since(before, 100);
    assert.equal(rows.length, 10);
    assert.equal(rows[rows.length - 1].seq, last);
    assert.deepEqual(rows.map((r) => r.seq), [...rows.map((r) => r.seq)].sort((a, b) => a - b));
  });

  test('migrations run by several processes at once: each finishes, the schema is made once', async () => {
    const fresh = await create();
    const stores = Array.from({ length: 4 }, () => new PostgresStore(fresh, { max: 2 }));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const ws = await Promise.all(stores.map((s) => s.ensureWorkspace('default', 'Default')));
      assert.equal(new Set(ws.map((w) => w.id)).size, 1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await drop(fresh);
    }
  });
});
