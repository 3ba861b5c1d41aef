// Backoff for transient failures: exponential from baseDelayMs by `factor`, capped, with jitter so
// that many executions failing together do not retry together; a server's Retry-After is honoured.
// The default schedule spans about a day (like the webhook services people trust): a service down
// for hours costs a step a handful of attempts, not its execution. A service that is down for
// everyone is the circuit breaker's (outbound/circuit-breaker.ts): its executions wait unsent.
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Growth per attempt; 3 when absent. */
  factor?: number;
}

/** ~5 s, 15 s, 45 s, 2 min, 7 min, 20 min, 1 h, 3 h, then every 6 h: 14 attempts over 17–35 h (26 h on average). */
export const DEFAULT_RETRY: Required<RetryPolicy> = { maxAttempts: 14, baseDelayMs: 5000, maxDelayMs: 6 * 3_600_000, factor: 3 };

/** A step's `retry` over the flow's `settings.retry` over the instance's policy (SVYAZKA_RETRY_*). */
export function effectivePolicy(instance: RetryPolicy, ...overrides: Array<Partial<RetryPolicy> | undefined>): Required<RetryPolicy> {
  let policy: Required<RetryPolicy> = { factor: DEFAULT_RETRY.factor, ...instance };
  for (const o of overrides) if (o) policy = { ...policy, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) };
  return policy;
}

/** Delay before attempt `attempts + 1`, after `attempts` failed ones. */
export function retryDelayMs(policy: RetryPolicy, attempts: number, retryAfterMs?: number, random = Math.random): number {
  const factor = policy.factor ?? DEFAULT_RETRY.factor;
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * factor ** Math.max(0, attempts - 1));
  // "Equal jitter": half fixed, half random — never much shorter than the exponential step.
  const jittered = exponential / 2 + random() * (exponential / 2);
  if (retryAfterMs !== undefined) return Math.max(retryAfterMs, Math.min(jittered, retryAfterMs * 2));
  return Math.round(jittered);
}

/** The nominal delays (no jitter) of a policy, for docs and the CLI: what a user can expect. */
export function schedule(policy: RetryPolicy): number[] {
  const out: number[] = [];
  for (let n = 1; n < policy.maxAttempts; n++) out.push(Math.min(policy.maxDelayMs, policy.baseDelayMs * (policy.factor ?? DEFAULT_RETRY.factor) ** (n - 1)));
  return out;
}
