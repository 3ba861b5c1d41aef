// The store methods added for several workers behave the same on the embedded SQLite store as on
// PostgreSQL (postgres.test.ts): an exact quota, one lease per execution and per poll trigger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { tempDataDir } from '../support/app.ts';

test('SQLite: exact quota under concurrent takers, leases never doubled, a lease row is no cursor', async () => {
  const dir = tempDataDir();
  const store = new SqliteStore(join(dir, 'svyazka.db'));
  try {
    await store.migrate();
    const ws = await store.ensureWorkspace('default', 'Default');
    const results = await Promise.all(
      Array.from({ length: 100 }, () => store.plans.takeQuota({ workspaceId: ws.id, kind: 'webhooks', day: '2026-03-05', month: '2026-03', count: 1, limit: 50 })),
    );
    assert.equal(results.filter((r) => r.granted).length, 50);
    assert.equal((await store.plans.usageBetween(ws.id, '2026-03-01', '2026-03-31')).webhooks, 50);

    for (let i = 0; i < 10; i++) {
      await store.createExecution({ id: `ex_${i}`, workspaceId: ws.id, flowId: 'flw', flowVersion: 1, webhookId: null, origin: 'manual', trigger: {}, nextRunAt: 0 });
    }
    const now = Date.now();
    const ids = Array.from({ length: 10 }, (_, i) => `ex_${i}`);
    const claimed = (await Promise.all([1, 2, 3].map(async (w) => (await Promise.all(ids.map(async (id) => ((await store.claimExecution(id, `w${w}`, now, 60_000)) ? [id] : [])))).flat()))).flat();
    assert.equal(claimed.length, 10);
    assert.equal(new Set(claimed).size, 10);
    assert.equal(await store.claimExecution(claimed[0], 'other', now, 1000), false);
    assert.equal(await store.claimExecution(claimed[0], 'other', now + 60_001, 1000), true);

    const polls = await Promise.all([1, 2, 3].map((w) => store.claimPoll('flw', `w${w}`, now, 30_000)));
    assert.equal(polls.filter(Boolean).length, 1);
    assert.equal(await store.getTriggerCursor('flw'), undefined);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
