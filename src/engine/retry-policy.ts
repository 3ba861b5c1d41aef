// Backoff for transient failures: exponential from baseDelayMs, capped, with jitter so that many
// executions failing together do not retry together; a server's Retry-After is honoured.
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 2000, maxDelayMs: 10 * 60_000 };

/** Delay before attempt `attempts + 1`, after `attempts` failed ones. */
export function retryDelayMs(policy: RetryPolicy, attempts: number, retryAfterMs?: number, random = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempts - 1));
  // "Equal jitter": half fixed, half random — never much shorter than the exponential step.
  const jittered = exponential / 2 + random() * (exponential / 2);
  if (retryAfterMs !== undefined) return Math.max(retryAfterMs, Math.min(jittered, retryAfterMs * 2));
  return Math.round(jittered);
}
