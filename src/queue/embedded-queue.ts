// In-process queue: a ready list served by a fixed number of concurrent workers, a timer for
// items scheduled later, and de-duplication so one execution never runs twice at once.
// Durability comes from the executions table: on start the app re-pushes every unfinished one.
import type { ExecutionHandler, ExecutionQueue, QueueItem } from './types.ts';

export interface EmbeddedQueueOptions {
  concurrency: number;
  /** room() holds intake back while more than this many executions wait for a worker (default: concurrency). */
  backlog?: number;
  onError?: (executionId: string, error: unknown) => void;
}

export class EmbeddedQueue implements ExecutionQueue {
  private readonly ready: string[] = [];
  private readyHead = 0;
  /** Scheduled items sorted by runAt (binary-inserted; delays are rare next to immediate work). */
  private readonly scheduled: Array<{ id: string; runAt: number }> = [];
  private readonly known = new Set<string>();
  private readonly running = new Set<string>();
  /** Pushed again while running: run once more when the current run ends. */
  private readonly rerun = new Map<string, number>();
  private handler: ExecutionHandler | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private stopping = false;
  private idleWaiters: Array<() => void> = [];
  private readonly roomWaiters: Array<() => void> = [];
  private readonly opts: EmbeddedQueueOptions;

  constructor(opts: EmbeddedQueueOptions) {
    this.opts = opts;
  }

  async push(items: readonly QueueItem[]): Promise<void> {
    const now = Date.now();
    for (const { executionId, runAt } of items) {
      if (this.running.has(executionId)) {
        this.rerun.set(executionId, runAt ?? now);
        continue;
      }
      if (this.known.has(executionId)) {
        // Already waiting for a later time (a delay, a retry, next month's quota): a push with an
        // earlier time (an upgrade, a manual retry) brings it forward.
        const at = this.scheduled.findIndex((s) => s.id === executionId);
        if (at < 0 || this.scheduled[at].runAt <= (runAt ?? now)) continue;
        this.scheduled.splice(at, 1);
      }
      this.known.add(executionId);
      if (runAt !== undefined && runAt > now) this.schedule(executionId, runAt);
      else this.ready.push(executionId);
    }
    this.pump();
  }

  start(handler: ExecutionHandler): void {
    this.handler = handler;
    this.stopping = false;
    this.pump();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.openRoom();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  depth() {
    return { ready: this.ready.length - this.readyHead, scheduled: this.scheduled.length, running: this.running.size };
  }

  room(maxWaitMs: number): Promise<void> | null {
    if (this.stopping) return null;
    // Places the line has now go to webhooks already held (nothing else may come to let them go);
    // a newcomer waits behind those still held.
    this.openRoom();
    if (this.roomWaiters.length === 0 && this.waiting() <= this.backlog()) return null;
    return new Promise<void>((resolve) => {
      const waiters = this.roomWaiters;
      const timer = setTimeout(done, maxWaitMs);
      function done() {
        clearTimeout(timer);
        const at = waiters.indexOf(done);
        if (at >= 0) waiters.splice(at, 1);
        resolve();
      }
      waiters.push(done);
    });
  }

  private waiting(): number {
    return this.ready.length - this.readyHead;
  }

  private backlog(): number {
    return this.opts.backlog ?? this.opts.concurrency;
  }

  /**
   * Lets held-back intake go on, oldest first, one webhook for each place the line has below the
   * backlog (all of them when the queue stops). One at a time as executions start, not a batch once
   * the line is much shorter: each hold then lasts about as long as one execution takes to start,
   * where a batch release made a few webhooks wait for a quarter of the backlog to drain — the
   * 15–50 ms that set the intake's p99 under a steady flood.
   */
  private openRoom(): void {
    if (this.roomWaiters.length === 0) return;
    const places = this.stopping ? this.roomWaiters.length : this.backlog() - this.waiting();
    for (let i = 0; i < places && this.roomWaiters.length > 0; i++) this.roomWaiters[0]();
  }

  has(executionId: string): boolean {
    return this.known.has(executionId) || this.running.has(executionId);
  }

  private schedule(id: string, runAt: number): void {
    let lo = 0;
    let hi = this.scheduled.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.scheduled[mid].runAt <= runAt) lo = mid + 1;
      else hi = mid;
    }
    this.scheduled.splice(lo, 0, { id, runAt });
    this.armTimer();
  }

  private armTimer(): void {
    if (this.stopping || this.scheduled.length === 0) return;
    const next = this.scheduled[0].runAt;
    if (this.timer && next >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      const now = Date.now();
      let n = 0;
      while (n < this.scheduled.length && this.scheduled[n].runAt <= now) n++;
      for (const item of this.scheduled.splice(0, n)) this.ready.push(item.id);
      this.armTimer();
      this.pump();
    }, Math.max(0, Math.min(next - Date.now(), 2 ** 31 - 1)));
  }

  private pump(): void {
    if (!this.handler || this.stopping) return;
    while (this.running.size < this.opts.concurrency && this.readyHead < this.ready.length) {
      const id = this.ready[this.readyHead++];
      if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
        this.ready.splice(0, this.readyHead);
        this.readyHead = 0;
      }
      this.known.delete(id);
      this.running.add(id);
      void this.runOne(id);
    }
    this.openRoom();
  }

  private async runOne(id: string): Promise<void> {
    try {
      await this.handler!(id);
    } catch (error) {
      this.opts.onError?.(id, error);
    } finally {
      this.running.delete(id);
      const again = this.rerun.get(id);
      if (again !== undefined) {
        this.rerun.delete(id);
        void this.push([{ executionId: id, runAt: again }]);
      }
      if (this.running.size === 0 && this.idleWaiters.length > 0) {
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
      this.pump();
    }
  }
}
