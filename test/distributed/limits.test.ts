// The limits shared by every process, against a real Redis: grants are counted on a frozen,
// injected clock (no wall-clock timing is asserted). Each limiter has its own connection, as
// each process would.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisRateLimiter } from '../../src/engine/outbound/redis-rate-limiter.ts';
import { SEND_GUARD_MS } from '../../src/engine/outbound/rate-limiter.ts';
import { RedisWebhookRate } from '../../src/intake/webhook-rate.ts';
import { redisSkipReason, testRedis } from './support.ts';

const skip = await redisSkipReason();
const r = skip ? null : testRedis();
before(() => {
  if (skip) console.log(`# skipped: ${skip}`);
});
after(async () => r?.drop());

test('outbound rate: 10/s across two processes grants exactly 10 in any second, whoever asks', { skip: skip ?? false }, async () => {
  let now = 1_700_000_000_000;
  const clock = () => now;
  const a = new RedisRateLimiter({ redis: r!.connect('a'), prefix: r!.prefix, now: clock });
  const b = new RedisRateLimiter({ redis: r!.connect('b'), prefix: r!.prefix, now: clock });
  const attempt = async () => (await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).tryAcquire('acct-1', 10)))).filter((w) => w === 0).length;

  assert.equal(await attempt(), 10, 'first second: 10 of 30 granted');
  now += 500;
  assert.equal(await attempt(), 0, 'half a second later the window is still full');
  now += 499;
  assert.equal(await attempt(), 0, '999 ms after the first starts: still full');
  now += SEND_GUARD_MS;
  assert.equal(await attempt(), 0, 'a second after them, the send guard still holds');
  now += 1;
  assert.equal(await attempt(), 10, 'a second and the guard after them: 10 more');
  // Another key has its own budget.
  assert.equal((await Promise.all(Array.from({ length: 12 }, () => a.tryAcquire('acct-2', 10)))).filter((w) => w === 0).length, 10);
});

test('outbound rate: a refused start says how long until the oldest start leaves the window', { skip: skip ?? false }, async () => {
  let now = 1_700_000_100_000;
  const limiter = new RedisRateLimiter({ redis: r!.redis, prefix: r!.prefix, now: () => now });
  for (let i = 0; i < 5; i++) {
    assert.equal(await limiter.tryAcquire('acct-wait', 5), 0);
    now += 100;
  }
  // Starts at +0..+400 ms; at +500 the first leaves the window at +1000 and the guard.
  assert.equal(await limiter.tryAcquire('acct-wait', 5), 500 + SEND_GUARD_MS);
  now += 500 + SEND_GUARD_MS;
  assert.equal(await limiter.tryAcquire('acct-wait', 5), 0);
});

test('outbound rate: fractional and sub-1 rates never exceed their per-second budget', { skip: skip ?? false }, async () => {
  let now = 1_700_000_200_000;
  const limiter = new RedisRateLimiter({ redis: r!.redis, prefix: r!.prefix, now: () => now });
  const grants = async (key: string, rate: number, n: number) => (await Promise.all(Array.from({ length: n }, () => limiter.tryAcquire(key, rate)))).filter((w) => w === 0).length;
  assert.equal(await grants('frac', 2.5, 10), 2);
  assert.equal(await grants('slow', 0.5, 10), 1);
  now += 1000;
  assert.equal(await grants('slow', 0.5, 10), 0, 'one start per 2 s');
  now += 1000 + SEND_GUARD_MS;
  assert.equal(await grants('slow', 0.5, 10), 1);
});

test('outbound rate: acquire waits its turn and honours an abort', { skip: skip ?? false }, async () => {
  const limiter = new RedisRateLimiter({ redis: r!.redis, prefix: r!.prefix });
  await Promise.all(Array.from({ length: 3 }, () => limiter.acquire('abort-key', 3)));
  const controller = new AbortController();
  const waiting = limiter.acquire('abort-key', 3, controller.signal);
  controller.abort(new Error('deadline'));
  await assert.rejects(waiting, /deadline/);
});

test('webhooks/s: two web processes share one bucket of the plan rate', { skip: skip ?? false }, async () => {
  let now = 1_700_000_300_000;
  const clock = () => now;
  const a = new RedisWebhookRate({ redis: r!.connect('web-a'), prefix: r!.prefix, now: clock });
  const b = new RedisWebhookRate({ redis: r!.connect('web-b'), prefix: r!.prefix, now: clock });
  const burst = async (n: number) => (await Promise.all(Array.from({ length: n }, (_, i) => (i % 2 ? a : b).take('ws-1', 30)))).filter((w) => w === 0).length;
  assert.equal(await burst(100), 30, 'a full bucket: 30 admitted of 100');
  now += 100;
  assert.equal(await burst(100), 3, '100 ms refill 3 tokens at 30/s');
  const wait = await a.take('ws-1', 30);
  assert.equal(wait, 1, 'refused with Retry-After in whole seconds');
  now += 10_000;
  assert.equal(await burst(100), 30, 'refill stops at the capacity');
  assert.equal(await burst(1), 0);
  assert.equal((await Promise.all(Array.from({ length: 40 }, () => b.take('ws-2', 30)))).filter((w) => w === 0).length, 30, 'each workspace has its own bucket');
});
