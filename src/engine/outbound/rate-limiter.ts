// Per-connection request rate, shared by every execution in the process. The interface is one
// method so a Redis-backed limiter (several processes) can replace the local one.
export interface RateLimiter {
  /** Resolves when the caller may start one request under `ratePerSecond` for `key`. */
  acquire(key: string, ratePerSecond: number, signal?: AbortSignal): Promise<void>;
}

interface KeyState {
  /** Start times (ms) of the requests in the last second, oldest first. */
  starts: number[];
  waiters: Array<{ resolve: () => void; reject: (e: unknown) => void; signal?: AbortSignal; onAbort?: () => void }>;
  timer: NodeJS.Timeout | null;
  rate: number;
  lastUsed: number;
}

const WINDOW_MS = 1000;
const IDLE_DROP_MS = 60_000;

/**
 * Sliding one-second window: at most `rate` request starts in any 1,000 ms, waiters served in
 * FIFO order by one timer per key (no polling).
 */
export class LocalRateLimiter implements RateLimiter {
  private readonly keys = new Map<string, KeyState>();
  private sweeps = 0;

  acquire(key: string, ratePerSecond: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    let state = this.keys.get(key);
    if (!state) {
      state = { starts: [], waiters: [], timer: null, rate: ratePerSecond, lastUsed: Date.now() };
      this.keys.set(key, state);
      if (++this.sweeps % 1000 === 0) this.dropIdle();
    }
    state.rate = ratePerSecond;
    const s = state;
    return new Promise<void>((resolve, reject) => {
      const waiter: KeyState['waiters'][number] = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = s.waiters.indexOf(waiter);
          if (i >= 0) s.waiters.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      s.waiters.push(waiter);
      this.drain(s);
    });
  }

  private drain(s: KeyState): void {
    const now = Date.now();
    while (s.starts.length > 0 && s.starts[0] <= now - WINDOW_MS) s.starts.shift();
    while (s.waiters.length > 0 && s.starts.length < s.rate) {
      const w = s.waiters.shift()!;
      if (w.onAbort) w.signal!.removeEventListener('abort', w.onAbort);
      s.starts.push(now);
      s.lastUsed = now;
      w.resolve();
    }
    if (s.waiters.length > 0 && !s.timer) {
      const wait = Math.max(1, s.starts[0] + WINDOW_MS - now);
      s.timer = setTimeout(() => {
        s.timer = null;
        this.drain(s);
      }, wait);
    }
  }

  private dropIdle(): void {
    const cutoff = Date.now() - IDLE_DROP_MS;
    for (const [key, s] of this.keys) {
      if (s.waiters.length === 0 && s.lastUsed < cutoff) this.keys.delete(key);
    }
  }
}
