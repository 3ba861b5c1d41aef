// The queue seam: it carries execution ids to workers. The executions table is the durable
// record of work (an execution row is written in the same transaction as its webhook), so a
// queue only has to deliver ids, at least once, not before their time. The embedded queue
// lives in this process; a BullMQ queue (REDIS_URL) implements the same for scale-out.

export interface QueueItem {
  executionId: string;
  /** Epoch ms before which the execution must not start (delays, retry backoff). */
  runAt?: number;
}

export type ExecutionHandler = (executionId: string) => Promise<void>;

export interface ExecutionQueue {
  push(items: readonly QueueItem[]): Promise<void>;
  start(handler: ExecutionHandler): void;
  /** Stops taking new work and waits for running handlers. */
  stop(): Promise<void>;
  /** Items ready or scheduled, plus running. */
  depth(): { ready: number; scheduled: number; running: number };
  /**
   * Flow control for intake, where the queue can tell: null while executions wait for a worker in
   * reasonable numbers, else a promise that settles once the line is short again or `maxWaitMs`
   * passed, whichever comes first. Never rejects.
   */
  room?(maxWaitMs: number): Promise<void> | null;
}
