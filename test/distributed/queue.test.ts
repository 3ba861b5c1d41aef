// The BullMQ queue against a real Redis: one job per execution id, delays, an execution parked
// while it runs, what a lost Redis forgets coming back from the store, and a killed worker's jobs
// coming back through the stalled check. Time is only ever waited for (bounded), never asserted
// as a duration.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { pino } from 'pino';
import { BullmqQueue } from '../../src/queue/bullmq-queue.ts';
import { deletePrefix } from '../../src/queue/redis.ts';
import { waitFor } from '../support/app.ts';
import { memoryLeases, REDIS_URL, redisSkipReason, testRedis } from './support.ts';

const skip = await redisSkipReason();
const logger = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];
before(() => {
  if (skip) console.log(`# skipped: ${skip}`);
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function newQueue(unfinished: () => Array<{ id: string; nextRunAt: number }> = () => [], extra: { lockMs?: number; prefix?: string } = {}) {
  const r = extra.prefix ? null : testRedis();
  const prefix = extra.prefix ?? r!.prefix;
  const queue = new BullmqQueue({
    redis: { url: REDIS_URL!, prefix },
    concurrency: 8,
    lockMs: extra.lockMs ?? 5000,
    store: { listUnfinished: async () => unfinished() },
    leases: memoryLeases(),
    logger,
    sweepEveryMs: 200,
  });
  cleanups.push(async () => {
    await queue.stop();
    await r?.drop();
  });
  return { queue, prefix, redis: r?.redis };
}

test('an execution pushed several times runs once', { skip: skip ?? false }, async () => {
  const { queue } = newQueue();
  await queue.push([{ executionId: 'ex_a' }, { executionId: 'ex_a' }]);
  await queue.push([{ executionId: 'ex_a' }, { executionId: 'ex_b' }]);
  const runs: string[] = [];
  queue.start(async (id) => void runs.push(id));
  await waitFor(() => runs.length >= 2, 30_000, 'two runs');
  await queue.sweep();
  assert.equal(queue.depth().ready + queue.depth().scheduled, 0, 'no second job for either id waits');
  assert.deepEqual(runs.sort(), ['ex_a', 'ex_b']);
});

test('a delayed push runs not before its time; pushing it earlier brings it forward', { skip: skip ?? false }, async () => {
  const { queue } = newQueue();
  const ran = new Map<string, number>();
  queue.start(async (id) => void ran.set(id, Date.now()));
  const at = Date.now() + 400;
  await queue.push([{ executionId: 'ex_later', runAt: at }, { executionId: 'ex_far', runAt: Date.now() + 3_600_000 }]);
  await waitFor(() => ran.has('ex_later'), 30_000, 'the delayed run');
  assert.ok(ran.get('ex_later')! >= at, 'not before runAt');
  assert.equal(ran.has('ex_far'), false);
  // An upgrade or a manual retry: the same id pushed for now.
  await queue.push([{ executionId: 'ex_far' }]);
  await waitFor(() => ran.has('ex_far'), 30_000, 'the brought-forward run');
});

test('an execution parked while it runs (a retry, a delay step) runs again at its time', { skip: skip ?? false }, async () => {
  const { queue } = newQueue();
  const runs: number[] = [];
  let parkedUntil = 0;
  queue.start(async (id) => {
    runs.push(Date.now());
    if (runs.length === 1) {
      parkedUntil = Date.now() + 300;
      await queue.push([{ executionId: id, runAt: parkedUntil }]);
    }
  });
  await queue.push([{ executionId: 'ex_parked' }]);
  await waitFor(() => runs.length >= 2, 30_000, 'the second run');
  assert.ok(runs[1] >= parkedUntil, 'the second run is not before the park time');
});

test('Redis loses its jobs: the sweep enqueues what the store still has unfinished', { skip: skip ?? false }, async () => {
  const unfinished = new Map<string, number>();
  const { queue, prefix, redis } = newQueue(() => [...unfinished].map(([id, nextRunAt]) => ({ id, nextRunAt })));
  const ids = Array.from({ length: 20 }, (_, i) => `ex_lost_${i}`);
  for (const id of ids) unfinished.set(id, Date.now());
  await queue.push(ids.map((executionId) => ({ executionId })));
  // What a flush or a restart without persistence does to this install's keys.
  assert.ok((await deletePrefix(redis!, prefix)) > 0);
  const runs = new Set<string>();
  queue.start(async (id) => {
    runs.add(id);
    unfinished.delete(id);
  });
  await waitFor(() => runs.size === ids.length, 30_000, 'every lost execution to run');
  assert.equal(unfinished.size, 0);
  assert.equal(await queue.sweep(), 0, 'nothing is missing any more');
});

test('a worker killed with jobs in hand: another worker gets them through the stalled check', { skip: skip ?? false, timeout: 120_000 }, async () => {
  const r = testRedis();
  cleanups.push(() => r.drop());
  const fixture = new URL('./fixtures/stall-worker.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [fixture, REDIS_URL!, r.prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
  const taken = new Set<string>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (line.startsWith('started ')) taken.add(line.slice(8));
  });
  const { queue } = newQueue(() => [], { prefix: r.prefix, lockMs: 1000 });
  await queue.push([{ executionId: 'ex_s1' }, { executionId: 'ex_s2' }]);
  try {
    await waitFor(() => taken.size === 2, 60_000, 'the doomed worker to take both jobs');
  } finally {
    child.kill('SIGKILL');
  }
  await once(child, 'exit');
  const runs = new Set<string>();
  queue.start(async (id) => void runs.add(id));
  await waitFor(() => runs.size === 2, 60_000, 'the stalled jobs to run on the live worker');
  assert.deepEqual([...runs].sort(), ['ex_s1', 'ex_s2']);
});
