// Usage counters on SQLite are summed over a group commit and written once before its COMMIT: a
// write that fails adds nothing, a quota take in the same batch reads the counts before it, and
// what is committed is exactly one count per webhook and per call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDataDir } from '../support/app.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { NewExecution, NewWebhook } from '../../src/store/types.ts';

const DAY = '2026-12-01';

function webhook(id: string, workspaceId: string): NewWebhook {
  // No raw bytes: the write is submitted in the same turn as the call (nothing to pack first).
  return {
    id, workspaceId, flowId: 'flw_1', method: 'POST', headers: {}, query: {}, body: { n: id }, bodyKind: 'json',
    contentType: 'application/json', size: 10, ip: '127.0.0.1', status: 'accepted', error: null, receivedAt: Date.now(),
  };
}

function execution(id: string, w: NewWebhook): NewExecution {
  return { id, workspaceId: w.workspaceId, flowId: w.flowId, flowVersion: 1, webhookId: w.id, origin: 'webhook', trigger: w.body, triggerFromWebhook: true, nextRunAt: 0 };
}

test('a batch counts each stored webhook once, none for a failed write, and a quota take in it sees the counts before it', async () => {
  const dir = tempDataDir();
  const store = new SqliteStore(join(dir, 'svyazka.db'));
  try {
    await store.migrate();
    const ws = await store.ensureWorkspace('default', 'Default');
    const month = DAY.slice(0, 7);

    // All submitted in one turn: one group commit.
    const accepted = Array.from({ length: 10 }, (_, i) => {
      const w = webhook(`wh_${i}`, ws.id);
      return store.acceptWebhook(w, execution(`ex_${i}`, w), DAY);
    });
    // The same webhook id again: its insert fails, and so must its count.
    const repeat = store.acceptWebhook(webhook('wh_3', ws.id), null, DAY);
    const take = store.plans.takeQuota({ workspaceId: ws.id, kind: 'webhooks', day: DAY, month, count: 5, limit: 100 });
    const refused = store.plans.takeQuota({ workspaceId: ws.id, kind: 'webhooks', day: DAY, month, count: 86, limit: 100 });
    const calls = [
      store.countTransactions({ workspaceId: ws.id, flowId: 'flw_1', connector: 'http', count: 2, day: DAY, month, dayCounted: false }),
      store.countTransactions({ workspaceId: ws.id, flowId: 'flw_1', connector: 'http', count: 3, day: DAY, month, dayCounted: false }),
      store.countTransactions({ workspaceId: ws.id, flowId: 'flw_1', connector: 'http', count: 4, day: DAY, month, dayCounted: true }),
    ];

    await Promise.all(accepted);
    await assert.rejects(repeat, /UNIQUE|constraint/i);
    assert.deepEqual(await take, { granted: true, used: 15 }, 'the ten stored before it, and its own five');
    assert.deepEqual(await refused, { granted: false, used: 15 });
    await Promise.all(calls);

    assert.deepEqual(await store.plans.usageBetween(ws.id, DAY, DAY), { webhooks: 15, transactions: 5 });
    assert.deepEqual(await store.plans.transactionsByFlow(ws.id, month), [{ flowId: 'flw_1', connector: 'http', transactions: 9 }]);

    // Outside a batch (a write of its own) a count lands as well.
    const w = webhook('wh_late', ws.id);
    await store.acceptWebhook(w, execution('ex_late', w), DAY);
    assert.deepEqual(await store.plans.usageBetween(ws.id, DAY, DAY), { webhooks: 16, transactions: 5 });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
