// The queue seam on Redis (BullMQ), for several worker processes. Delivery follows types.ts: the
// executions table stays the record of work, the job only carries its id.
// - The job id is the execution id, so pushing an execution twice queues it once.
// - Delays and retry backoff are delayed jobs; an execution pushed again while it runs here (the
//   executor parking it) moves its own job to delayed when the run ends (BullMQ's moveToDelayed),
//   since a second job with the same id cannot exist meanwhile.
// - A worker that dies leaves its jobs active with an expiring lock; another worker's stalled
//   check returns them to the wait list (never failed: maxStalledCount is unbounded).
// - Redis is not the record: a sweep compares the store's unfinished executions with the jobs in
//   Redis and enqueues whatever is missing, so a flushed or restarted Redis, or a web process
//   killed between COMMIT and enqueue, loses nothing.
// - A job is only where an execution is delivered, so a second job for one execution can exist
//   while it runs: the sweep after Redis lost the running one's job, or BullMQ's stalled check
//   after a live worker missed renewing its lock (Redis unreachable for a while). The store's lease
//   (claimExecution) decides who runs it: taken before the run, renewed while it lasts, released
//   after; a worker that cannot take it does not run the execution (the sweep brings it back if
//   it is still unfinished once the lease is given up or runs out, e.g. after a kill -9).
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DelayedError, Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ExecutionHandler, ExecutionQueue, QueueItem } from './types.ts';
import { openRedis, type RedisSettings } from './redis.ts';

export const QUEUE_NAME = 'executions';
const JOB_NAME = 'run';
const CHECK_BATCH = 1000;

export interface UnfinishedSource {
  /** Unfinished executions not touched since `touchedBefore` (all of them without it). */
  listUnfinished(limit: number, touchedBefore?: number): Promise<Array<{ id: string; nextRunAt: number }>>;
}

/** The store's lease on one execution (Store.claimExecution / releaseExecution). */
export interface ExecutionLeases {
  claimExecution(id: string, owner: string, now: number, leaseMs: number): Promise<boolean>;
  releaseExecution(id: string, owner: string): Promise<void>;
}

export interface BullmqQueueOptions {
  redis: RedisSettings;
  concurrency: number;
  /** How long a job's lock lives without renewal: a dead worker's jobs return after about this. */
  lockMs: number;
  store: UnfinishedSource;
  /** Who runs an execution when two jobs for it meet (see above); the store in a server process. */
  leases: ExecutionLeases;
  logger: Logger;
  /** Pause between sweeps of the store (only where `start` ran: workers). */
  sweepEveryMs?: number;
  /** An execution untouched this long and absent from Redis is enqueued again. */
  orphanAfterMs?: number;
  onError?: (executionId: string, error: unknown) => void;
  onDepth?: (depth: { ready: number; scheduled: number; running: number }) => void;
}

export class BullmqQueue implements ExecutionQueue {
  private readonly opts: Required<Omit<BullmqQueueOptions, 'onError' | 'onDepth'>> & Pick<BullmqQueueOptions, 'onError' | 'onDepth'>;
  private readonly producer: Redis;
  private readonly queue: Queue;
  private worker: Worker | null = null;
  private workerRedis: Redis | null = null;
  private readonly running = new Set<string>();
  /** Pushed again while running here: when the run ends its job moves to delayed until then. */
  private readonly rerun = new Map<string, number>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private counts = { ready: 0, scheduled: 0 };
  private stopped = false;
  /** This process's name on the leases it holds. */
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

  constructor(opts: BullmqQueueOptions) {
    this.opts = { sweepEveryMs: 1000, orphanAfterMs: 2000, ...opts };
    this.producer = openRedis(opts.redis, { waitForever: false, name: 'queue' });
    this.queue = new Queue(QUEUE_NAME, {
      connection: this.producer,
      prefix: opts.redis.prefix,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
    });
    this.queue.on('error', (err) => this.opts.logger.warn({ err: err.message }, 'queue: Redis error'));
  }

  async push(items: readonly QueueItem[]): Promise<void> {
    const now = Date.now();
    const candidates: QueueItem[] = [];
    for (const item of items) {
      if (this.running.has(item.executionId)) {
        const at = item.runAt ?? now;
        this.rerun.set(item.executionId, Math.min(at, this.rerun.get(item.executionId) ?? Infinity));
      } else {
        candidates.push(item);
      }
    }
    if (candidates.length === 0) return;
    try {
      await this.enqueue(candidates, now);
    } catch (error) {
      // Not lost: the execution row is committed, and the sweep enqueues it once Redis answers.
      this.opts.logger.warn({ err: (error as Error).message, count: candidates.length }, 'queue: enqueue failed; the sweep will retry from the store');
    }
  }

  private async enqueue(items: readonly QueueItem[], now: number): Promise<void> {
    const exists = this.producer.pipeline();
    for (const item of items) exists.exists(this.queue.toKey(item.executionId));
    const found = (await exists.exec()) ?? [];
    const fresh: QueueItem[] = [];
    const present: QueueItem[] = [];
    items.forEach((item, i) => {
      const [err, n] = found[i] ?? [null, 0];
      if (err) throw err;
      (n === 1 ? present : fresh).push(item);
    });
    if (fresh.length > 0) {
      await this.queue.addBulk(
        fresh.map((item) => ({ name: JOB_NAME, data: {}, opts: { jobId: item.executionId, delay: Math.max(0, (item.runAt ?? now) - now) } })),
      );
    }
    for (const item of present) await this.bringForward(item.executionId, item.runAt ?? now);
  }

  /** A delayed job pushed with an earlier time (an upgrade, a manual retry) runs at that time. */
  private async bringForward(executionId: string, runAt: number): Promise<void> {
    const job = await Job.fromId(this.queue, executionId);
    if (!job || (await job.getState()) !== 'delayed') return;
    const due = job.timestamp + (job.delay ?? 0);
    if (due <= runAt) return;
    const now = Date.now();
    if (runAt <= now) await job.promote();
    else await job.changeDelay(runAt - now);
  }

  start(handler: ExecutionHandler): void {
    if (this.worker) return;
    this.stopped = false;
    this.workerRedis = openRedis(this.opts.redis, { waitForever: true, name: 'worker' });
    this.worker = new Worker(QUEUE_NAME, (job, token) => this.process(handler, job, token), {
      connection: this.workerRedis,
      prefix: this.opts.redis.prefix,
      concurrency: this.opts.concurrency,
      lockDuration: this.opts.lockMs,
      stalledInterval: Math.max(1000, Math.floor(this.opts.lockMs / 2)),
      maxStalledCount: Number.MAX_SAFE_INTEGER,
      autorun: false,
    });
    this.worker.on('error', (err) => this.opts.logger.warn({ err: err.message }, 'queue worker: Redis error'));
    void this.worker.run().catch((err) => this.opts.logger.error({ err }, 'queue worker stopped'));
    this.scheduleSweep(0, true);
  }

  private async process(handler: ExecutionHandler, job: Job, token: string | undefined): Promise<void> {
    const id = job.id!;
    // Already running here (its job came back through the stalled check): that run goes on.
    if (this.running.has(id)) return;
    const { leases, lockMs, logger } = this.opts;
    if (!(await leases.claimExecution(id, this.owner, Date.now(), lockMs))) {
      logger.debug({ executionId: id }, 'queue: another worker holds the execution (or it is finished); not run here');
      return;
    }
    this.running.add(id);
    const renew = setInterval(() => {
      leases
        .claimExecution(id, this.owner, Date.now(), lockMs)
        .then((held) => held || logger.warn({ executionId: id }, 'queue: lost the lease of a running execution (this worker stalled past it)'))
        .catch((err) => logger.warn({ executionId: id, err: (err as Error).message }, 'queue: lease renewal failed'));
    }, Math.max(100, Math.floor(lockMs / 3)));
    let again: number | undefined;
    try {
      await handler(id);
    } catch (error) {
      this.opts.onError?.(id, error);
    } finally {
      clearInterval(renew);
      this.running.delete(id);
      again = this.rerun.get(id);
      this.rerun.delete(id);
      await leases.releaseExecution(id, this.owner).catch((err) => logger.warn({ executionId: id, err: (err as Error).message }, 'queue: lease release failed; it runs out by itself'));
    }
    if (again !== undefined) {
      await job.moveToDelayed(Math.max(again, Date.now()), token);
      throw new DelayedError();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepTimer = null;
    await this.sweeping?.catch(() => undefined);
    if (this.worker) await this.worker.close();
    await this.queue.close();
    this.producer.disconnect();
    this.workerRedis?.disconnect();
  }

  depth() {
    return { ...this.counts, running: this.running.size };
  }

  /** Enqueues what the store has and Redis lacks; returns how many (tests and the crash suite read it). */
  sweep(all = false): Promise<number> {
    const run = this.reconcile(all);
    this.sweeping = run.then(() => undefined, () => undefined);
    return run;
  }

  private scheduleSweep(delay: number, all = false): void {
    if (this.stopped) return;
    this.sweepTimer = setTimeout(() => {
      void this.sweep(all)
        .catch((err) => this.opts.logger.warn({ err: (err as Error).message }, 'queue sweep failed'))
        .finally(() => this.scheduleSweep(this.opts.sweepEveryMs));
    }, delay);
    this.sweepTimer.unref();
  }

  private async reconcile(all: boolean): Promise<number> {
    // At start every unfinished execution; later only those idle for a while (orphans).
    const pending = await this.opts.store.listUnfinished(all ? 1_000_000 : 10_000, all ? undefined : Date.now() - this.opts.orphanAfterMs);
    let enqueued = 0;
    for (let i = 0; i < pending.length; i += CHECK_BATCH) {
      const batch = pending.slice(i, i + CHECK_BATCH).filter((p) => !this.running.has(p.id));
      const check = this.producer.pipeline();
      for (const p of batch) check.exists(this.queue.toKey(p.id));
      const found = (await check.exec()) ?? [];
      const missing = batch.filter((_, j) => found[j]?.[1] !== 1 && !found[j]?.[0]);
      if (missing.length === 0) continue;
      const now = Date.now();
      await this.queue.addBulk(missing.map((p) => ({ name: JOB_NAME, data: {}, opts: { jobId: p.id, delay: Math.max(0, p.nextRunAt - now) } })));
      enqueued += missing.length;
    }
    if (enqueued > 0) this.opts.logger.info({ enqueued }, 'queue sweep: enqueued executions Redis did not have');
    const counts = await this.queue.getJobCounts('wait', 'prioritized', 'delayed');
    this.counts = { ready: (counts.wait ?? 0) + (counts.prioritized ?? 0), scheduled: counts.delayed ?? 0 };
    this.opts.onDepth?.(this.depth());
    return enqueued;
  }
}
