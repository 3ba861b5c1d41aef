import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalRateLimiter } from '../../src/engine/outbound/rate-limiter.ts';

test('never more than `rate` starts in any one-second window, in FIFO order', async () => {
  const limiter = new LocalRateLimiter();
  const starts: Array<{ i: number; at: number }> = [];
  await Promise.all(Array.from({ length: 25 }, (_, i) => limiter.acquire('conn-a', 10).then(() => starts.push({ i, at: performance.now() }))));
  assert.deepEqual(starts.map((s) => s.i), Array.from({ length: 25 }, (_, i) => i));
  for (const s of starts) {
    const inWindow = starts.filter((o) => o.at >= s.at && o.at < s.at + 999).length;
    assert.ok(inWindow <= 10, `${inWindow} starts within a second of #${s.i}`);
  }
  // The 21st request can only start once two full windows have passed.
  assert.ok(starts[20].at - starts[0].at >= 1990);
});

test('keys are independent, and an aborted waiter leaves the queue', async () => {
  const limiter = new LocalRateLimiter();
  await Promise.all(Array.from({ length: 5 }, () => limiter.acquire('busy', 5)));
  const controller = new AbortController();
  const waiting = limiter.acquire('busy', 5, controller.signal);
  const other = performance.now();
  await limiter.acquire('idle', 5);
  assert.ok(performance.now() - other < 500, 'another key does not wait for "busy"');
  controller.abort(new Error('cancelled'));
  await assert.rejects(waiting, /cancelled/);
  await assert.rejects(limiter.acquire('busy', 5, controller.signal), /cancelled/);
});

test('the last of 25 acquires at 10/s starts after ~2 s', async () => {
  const limiter = new LocalRateLimiter();
  const t0 = performance.now();
  const all = Array.from({ length: 25 }, () => limiter.acquire('conn-b', 10));
  await Promise.all(all);
  assert.ok(performance.now() - t0 >= 1500);
});

test('fractional rates: 0.5/s means one start per 2 s; bad rates are refused', async () => {
  const limiter = new LocalRateLimiter();
  const t0 = performance.now();
  await limiter.acquire('slow', 0.5);
  await limiter.acquire('slow', 0.5);
  assert.ok(performance.now() - t0 >= 1990);
  await assert.rejects(limiter.acquire('x', 0), RangeError);
  await assert.rejects(limiter.acquire('x', Number.NaN), RangeError);
  await limiter.acquire('x', Infinity);
});

test('idle keys are dropped', async () => {
  const limiter = new LocalRateLimiter({ sweepEveryMs: 0 });
  for (let i = 0; i < 1000; i++) await limiter.acquire(`k${i}`, 1000);
  assert.ok(limiter.size >= 1000);
  await new Promise((r) => setTimeout(r, 1050));
  await limiter.acquire('fresh', 1000);
  assert.equal(limiter.size, 1);
});

test('aborting every waiter clears the key timer (process can exit)', async () => {
  const limiter = new LocalRateLimiter();
  await limiter.acquire('k', 1);
  const controller = new AbortController();
  const waits = [limiter.acquire('k', 1, controller.signal), limiter.acquire('k', 1, controller.signal)];
  controller.abort(new Error('stop'));
  for (const w of waits) await assert.rejects(w, /stop/);
});
