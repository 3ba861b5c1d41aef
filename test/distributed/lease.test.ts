// Two jobs for one execution while it runs (Redis lost the running one's job and the sweep put it
// back): the store's lease lets only the worker that holds it run the execution. Real Redis, the
// real store (PostgreSQL with SVYAZKA_TEST_DATABASE_URL, else SQLite).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { BullmqQueue, type ExecutionLeases } from '../../src/queue/bullmq-queue.ts';
import { deletePrefix } from '../../src/queue/redis.ts';
import { tempDataDir, waitFor } from '../support/app.ts';
import { openTestStore } from '../support/database.ts';
import { REDIS_URL, redisSkipReason, testRedis } from './support.ts';

const skip = await redisSkipReason();
const logger = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];
before(() => {
  if (skip) console.log(`# skipped: ${skip}`);
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('Redis loses a running execution\'s job: the sweep queues it again, and the worker without the lease does not run it', { skip: skip ?? false, timeout: 60_000 }, async () => {
  const dir = tempDataDir();
  const store = await openTestStore(dir);
  const r = testRedis();
  cleanups.push(async () => {
    await store.drop();
    rmSync(dir, { recursive: true, force: true });
    await r.drop();
  });
  const ws = await store.ensureWorkspace('default', 'Default');
  await store.createExecution({ id: 'ex_leased', workspaceId: ws.id, flowId: 'flw', flowVersion: 1, webhookId: null, origin: 'manual', trigger: {}, nextRunAt: 0 });

  const refused: string[] = [];
  const leases: ExecutionLeases = {
    async claimExecution(id, owner, now, leaseMs) {
      const held = await store.claimExecution(id, owner, now, leaseMs);
      if (!held) refused.push(owner);
      return held;
    },
    releaseExecution: (id, owner) => store.releaseExecution(id, owner),
  };
  const queue = () => {
    const q = new BullmqQueue({ redis: { url: REDIS_URL!, prefix: r.prefix }, concurrency: 4, lockMs: 5000, store, leases, logger, sweepEveryMs: 100, orphanAfterMs: 0 });
    cleanups.push(() => q.stop());
    return q;
  };

  const runs: string[] = [];
  let finish!: () => void;
  const running = new Promise<void>((resolve) => (finish = resolve));
  const a = queue();
  a.start(async (id) => {
    runs.push(`a:${id}`);
    await running;
    await store.saveStepAndExecution(null, id, { status: 'succeeded', finishedAt: Date.now() });
  });
  await a.push([{ executionId: 'ex_leased' }]);
  await waitFor(() => runs.length === 1, 30_000, 'worker a to start the execution');

  // What a Redis restart without persistence does while the execution runs.
  await deletePrefix(r.redis, r.prefix);
  const b = queue();
  b.start(async (id) => void runs.push(`b:${id}`));
  await waitFor(() => refused.length >= 2, 30_000, 'the execution queued again and refused by the lease');
  assert.deepEqual(runs, ['a:ex_leased'], 'run once while worker a holds it');

  finish();
  await waitFor(async () => (await store.getExecutionStatus('ex_leased')) === 'succeeded', 30_000, 'the run to finish');
  // A finished execution is not queued again.
  assert.equal(await b.sweep(), 0, 'nothing unfinished left to queue');
  assert.deepEqual(runs, ['a:ex_leased']);
});
