// Per-connection request rate, shared by every execution in the process. The interface is one
// method so a Redis-backed limiter (several processes) can replace the local one.
export interface RateLimiter {
  /**
   * Resolves when the caller may start one request under `ratePerSecond` for `key`; rejects with
   * `signal.reason` if the signal aborts first (the caller then loses its place in the queue).
   */
  acquire(key: string, ratePerSecond: number, signal?: AbortSignal): Promise<void>;
}

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Resolved or aborted: skipped when the queue is served. */
  done: boolean;
}

interface KeyState {
  /** Start times (monotonic ms) still inside the window, oldest first. */
  starts: number[];
  /** FIFO; aborted waiters stay in place marked `done` and are skipped (O(1) abort). */
  queue: Waiter[];
  head: number;
  pending: number;
  limit: number;
  windowMs: number;
  timer: NodeJS.Timeout | null;
  timerDue: number;
}

const SWEEP_EVERY_MS = 5_000;

/**
 * Added to every window: a start is not the moment the service sees the request (the event loop,
 * the socket and the network come between), and requests started a full second apart can arrive
 * closer. 40 ms keeps a service that counts arrivals per second at or under its rate on a loaded
 * machine, for 4 % of the rate (bench/scale-limit.ts and bench/marketplace.ts measure both).
 */
export const SEND_GUARD_MS = 40;

/**
 * How many starts per how long. Whole rates: `rate` starts per 1,000 ms (plus the guard).
 * Fractional rates round down (2.5/s → 2 per second), and rates under 1 become one start per
 * 1/rate seconds, so no one-second window ever holds more than `rate` starts.
 */
export function windowOf(rate: number): { limit: number; windowMs: number } {
  if (rate >= 1) return { limit: Math.floor(rate), windowMs: 1000 + SEND_GUARD_MS };
  return { limit: 1, windowMs: 1000 / rate + SEND_GUARD_MS };
}

/**
 * Sliding-window log: at most `ratePerSecond` request starts in any 1,000 ms per key (no burst
 * beyond that, so a service that counts per second never sees more). Waiters are served in FIFO
 * order by one timer per key, set for the moment the oldest start in the window expires — no
 * polling. Keys with nothing waiting and nothing left in their window are dropped by a periodic
 * sweep, so many short-lived keys do not accumulate.
 */
export class LocalRateLimiter implements RateLimiter {
  private readonly keys = new Map<string, KeyState>();
  private readonly sweepEveryMs: number;
  private readonly now: () => number;
  private lastSweep: number;

  /** `now`: a monotonic clock in ms (tests pass a mocked one). */
  constructor(opts: { sweepEveryMs?: number; now?: () => number } = {}) {
    this.sweepEveryMs = opts.sweepEveryMs ?? SWEEP_EVERY_MS;
    this.now = opts.now ?? (() => performance.now());
    this.lastSweep = this.now();
  }

  acquire(key: string, ratePerSecond: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ratePerSecond === Infinity) return Promise.resolve();
    if (!(ratePerSecond > 0)) return Promise.reject(new RangeError(`ratePerSecond must be a positive number, got ${ratePerSecond}`));
    const now = this.now();
    if (now - this.lastSweep >= this.sweepEveryMs) this.sweep(now);
    const { limit, windowMs } = windowOf(ratePerSecond);
    let state = this.keys.get(key);
    if (!state) {
      state = { starts: [], queue: [], head: 0, pending: 0, limit, windowMs, timer: null, timerDue: 0 };
      this.keys.set(key, state);
    } else {
      state.limit = limit;
      state.windowMs = windowMs;
    }
    const s = state;
    // Fast path: nobody queued and room in the window.
    if (s.pending === 0) {
      this.expire(s, now);
      if (s.starts.length < s.limit) {
        s.starts.push(now);
        return Promise.resolve();
      }
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined, done: false };
      if (signal) {
        waiter.onAbort = () => {
          if (waiter.done) return;
          waiter.done = true;
          s.pending--;
          reject(signal.reason);
          if (s.pending === 0) this.clearTimer(s);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      s.queue.push(waiter);
      s.pending++;
      this.drain(s);
    });
  }

  /** Number of keys currently held (for tests and metrics). */
  get size(): number {
    return this.keys.size;
  }

  private expire(s: KeyState, now: number): void {
    let drop = 0;
    while (drop < s.starts.length && s.starts[drop] <= now - s.windowMs) drop++;
    if (drop > 0) s.starts.splice(0, drop);
  }

  private drain(s: KeyState): void {
    const now = this.now();
    this.expire(s, now);
    while (s.pending > 0 && s.starts.length < s.limit) {
      const w = s.queue[s.head++];
      if (w.done) continue;
      w.done = true;
      s.pending--;
      if (w.onAbort) w.signal!.removeEventListener('abort', w.onAbort);
      s.starts.push(now);
      w.resolve();
    }
    // Compact the queue once the served prefix dominates it.
    if (s.head > 1024 && s.head * 2 > s.queue.length) {
      s.queue = s.queue.slice(s.head);
      s.head = 0;
    } else if (s.pending === 0 && s.head === s.queue.length) {
      s.queue = [];
      s.head = 0;
    }
    if (s.pending === 0) {
      this.clearTimer(s);
      return;
    }
    // The window must lose `starts.length - limit + 1` entries before the next start.
    const due = s.starts[s.starts.length - s.limit] + s.windowMs;
    if (s.timer && s.timerDue <= due) return;
    this.clearTimer(s);
    s.timerDue = due;
    s.timer = setTimeout(() => {
      s.timer = null;
      this.drain(s);
    }, Math.max(1, Math.ceil(due - now)));
  }

  private clearTimer(s: KeyState): void {
    if (s.timer) clearTimeout(s.timer);
    s.timer = null;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, s] of this.keys) {
      if (s.pending > 0 || s.timer) continue;
      const last = s.starts[s.starts.length - 1];
      if (last === undefined || last <= now - s.windowMs) this.keys.delete(key);
    }
  }
}
