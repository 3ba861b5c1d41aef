// One retry loop for connector clients: a few more attempts inside one step attempt (the engine
// retries the step further), waiting the service's Retry-After when it named one, else a back-off,
// and cut short by the step's AbortSignal.
import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError } from './errors.ts';

export interface RetryOptions {
  /** Attempts after the first. */
  retries: number;
  /** Whether this error is worth another attempt. */
  retryable: (error: unknown) => boolean;
  /** The wait before attempt `attempt + 1` when the error carries no Retry-After. */
  backoffMs: (attempt: number) => number;
  signal?: AbortSignal;
  /** What a wait cut short by the signal throws; the signal's reason by default. */
  abortError?: (reason: unknown) => unknown;
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= opts.retries || !opts.retryable(error)) throw error;
      const retryAfterMs = error instanceof TransientError ? error.retryAfterMs : undefined;
      try {
        await sleep(retryAfterMs ?? opts.backoffMs(attempt), undefined, { signal: opts.signal });
      } catch {
        const reason = opts.signal?.reason;
        throw opts.abortError ? opts.abortError(reason) : reason;
      }
    }
  }
}
