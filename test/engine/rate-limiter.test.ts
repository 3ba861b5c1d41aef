// The limiter on a mocked clock (node:test mock timers drive both its setTimeout and Date.now), so
// the windows are exact whatever the machine's load.
import { beforeEach, afterEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalRateLimiter, SEND_GUARD_MS } from '../../src/engine/outbound/rate-limiter.ts';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
afterEach(() => mock.timers.reset());

const clock = () => Date.now();
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Moves the mocked clock forward in steps, letting granted waiters run in between. */
async function advance(ms: number, step = 10): Promise<void> {
  await settle();
  for (let t = 0; t < ms; t += step) {
    mock.timers.tick(step);
    await settle();
  }
}

test('never more than `rate` starts in any one-second window, in FIFO order', async () => {
  const limiter = new LocalRateLimiter({ now: clock });
  const starts: Array<{ i: number; at: number }> = [];
  const all = Promise.all(Array.from({ length: 25 }, (_, i) => limiter.acquire('conn-a', 10).then(() => starts.push({ i, at: clock() }))));
  await advance(2100);
  await all;
  assert.deepEqual(starts.map((s) => s.i), Array.from({ length: 25 }, (_, i) => i));
  for (const s of starts) {
    const inWindow = starts.filter((o) => o.at >= s.at && o.at < s.at + 1000).length;
    assert.ok(inWindow <= 10, `${inWindow} starts within a second of #${s.i}`);
  }
  // 10 at once, 10 a second (and the send guard) later, the last 5 two of those later.
  assert.equal(starts[9].at - starts[0].at, 0);
  assert.equal(starts[10].at - starts[0].at, 1000 + SEND_GUARD_MS);
  assert.equal(starts[20].at - starts[0].at, 2 * (1000 + SEND_GUARD_MS));
});

test('keys are independent, and an aborted waiter leaves the queue', async () => {
  const limiter = new LocalRateLimiter({ now: clock });
  await Promise.all(Array.from({ length: 5 }, () => limiter.acquire('busy', 5)));
  const controller = new AbortController();
  const waiting = limiter.acquire('busy', 5, controller.signal);
  const other = clock();
  await limiter.acquire('idle', 5);
  assert.equal(clock() - other, 0, 'another key does not wait for "busy"');
  controller.abort(new Error('cancelled'));
  await assert.rejects(waiting, /cancelled/);
  await assert.rejects(limiter.acquire('busy', 5, controller.signal), /cancelled/);
});

test('fractional rates: 0.5/s means one start per 2 s; bad rates are refused', async () => {
  const limiter = new LocalRateLimiter({ now: clock });
  const t0 = clock();
  await limiter.acquire('slow', 0.5);
  let second = 0;
  const next = limiter.acquire('slow', 0.5).then(() => (second = clock()));
  await advance(1990 + SEND_GUARD_MS);
  assert.equal(second, 0, 'not yet after 1.99 s and the send guard');
  await advance(20);
  await next;
  assert.equal(second - t0, 2000 + SEND_GUARD_MS);
  await assert.rejects(limiter.acquire('x', 0), RangeError);
  await assert.rejects(limiter.acquire('x', Number.NaN), RangeError);
  await limiter.acquire('x', Infinity);
});

test('idle keys are dropped', async () => {
  const limiter = new LocalRateLimiter({ sweepEveryMs: 0, now: clock });
  for (let i = 0; i < 1000; i++) await limiter.acquire(`k${i}`, 1000);
  assert.equal(limiter.size, 1000);
  await advance(1000 + SEND_GUARD_MS + 60, 100);
  await limiter.acquire('fresh', 1000);
  assert.equal(limiter.size, 1);
});

test('aborting every waiter clears the key timer (process can exit)', async () => {
  const limiter = new LocalRateLimiter({ now: clock });
  await limiter.acquire('k', 1);
  const controller = new AbortController();
  const waits = [limiter.acquire('k', 1, controller.signal), limiter.acquire('k', 1, controller.signal)];
  controller.abort(new Error('stop'));
  for (const w of waits) await assert.rejects(w, /stop/);
});
