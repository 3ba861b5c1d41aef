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
