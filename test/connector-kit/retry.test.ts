import assert from 'node:assert/strict';
import test from 'node:test';
import { PermanentError, TransientError } from '../../src/connector-kit/errors.ts';
import { withRetry } from '../../src/connector-kit/retry.ts';

const transient = (e: unknown) => e instanceof TransientError;

test('withRetry: a retryable error is tried again until it passes; the back-off gets the attempt number', async () => {
  const backoffs: number[] = [];
  let calls = 0;
  const out = await withRetry(
    async (attempt) => {
      calls++;
      if (attempt < 2) throw new TransientError('busy');
      return 'ok';
    },
    { retries: 3, retryable: transient, backoffMs: (a) => (backoffs.push(a), 0) },
  );
  assert.equal(out, 'ok');
  assert.equal(calls, 3);
  assert.deepEqual(backoffs, [0, 1]);
});

test('withRetry: Retry-After (retryAfterMs) replaces the back-off', async () => {
  let backoffCalls = 0;
  let calls = 0;
  await withRetry(
    async () => {
      if (calls++ === 0) throw new TransientError('busy', { retryAfterMs: 1 });
      return 1;
    },
    { retries: 1, retryable: transient, backoffMs: () => (backoffCalls++, 0) },
  );
  assert.equal(calls, 2);
  assert.equal(backoffCalls, 0);
});

test('withRetry: the last error after the retries run out; a non-retryable one at once', async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(async () => { calls++; throw new TransientError(`busy ${calls}`); }, { retries: 2, retryable: transient, backoffMs: () => 0 }),
    /busy 3/,
  );
  calls = 0;
  await assert.rejects(
    withRetry(async () => { calls++; throw new PermanentError('no'); }, { retries: 5, retryable: transient, backoffMs: () => 0 }),
    PermanentError,
  );
  assert.equal(calls, 1);
});

test('withRetry: an abort cuts a long wait short with the signal reason or abortError', async () => {
  const ac = new AbortController();
  const run = withRetry(
    async () => {
      queueMicrotask(() => ac.abort(new Error('stopped')));
      throw new TransientError('busy', { retryAfterMs: 3_600_000 });
    },
    { retries: 1, retryable: transient, backoffMs: () => 0, signal: ac.signal },
  );
  await assert.rejects(run, /stopped/);
  const ac2 = new AbortController();
  ac2.abort();
  await assert.rejects(
    withRetry(async () => { throw new TransientError('busy'); }, { retries: 1, retryable: transient, backoffMs: () => 3_600_000, signal: ac2.signal, abortError: () => new TransientError('прерван') }),
    /прерван/,
  );
});
