// Everything REDIS_URL switches on, opened in one place for a server process: the BullMQ queue,
// the shared outbound rate limiter, the shared webhooks/s bucket, the scheduler's leader election
// and the change nudges. Without REDIS_URL none of this exists and the app runs as one process.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { RedisRateLimiter } from '../engine/outbound/redis-rate-limiter.ts';
import { RedisWebhookRate } from '../intake/webhook-rate.ts';
import { BullmqQueue, type ExecutionLeases, type UnfinishedSource } from './bullmq-queue.ts';
import { ChangeNudge } from './change-nudge.ts';
import { RedisLeader } from './leader.ts';
import { openRedis, redisKey, type RedisSettings } from './redis.ts';

export class Distributed {
  readonly settings: RedisSettings;
  /** Commands of the limiter, the webhook bucket, the leader and the nudges (waits out a Redis restart). */
  readonly redis: Redis;
  readonly limiter: RedisRateLimiter;
  readonly webhookRate: RedisWebhookRate;
  readonly nudge: ChangeNudge;
  /** This process's name on the store's leases (unique also for several app instances in one test process). */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly config: Config;
  private readonly logger: Logger;

  constructor(config: Config, logger: Logger) {
    if (!config.redisUrl) throw new Error('Distributed mode needs REDIS_URL');
    this.config = config;
    this.logger = logger;
    this.settings = { url: config.redisUrl, prefix: config.redisPrefix };
    this.redis = openRedis(this.settings, { waitForever: true, name: 'shared' });
    this.limiter = new RedisRateLimiter({ redis: this.redis, prefix: config.redisPrefix });
    this.webhookRate = new RedisWebhookRate({ redis: this.redis, prefix: config.redisPrefix });
    this.nudge = new ChangeNudge({ redis: this.settings, publisher: this.redis, logger });
  }

  createQueue(store: UnfinishedSource & ExecutionLeases, opts: { onError: (executionId: string, error: unknown) => void; onDepth?: (depth: { ready: number; scheduled: number; running: number }) => void }): BullmqQueue {
    return new BullmqQueue({
      redis: this.settings,
      concurrency: this.config.workers,
      lockMs: this.config.queueLockMs,
      store,
      leases: store,
      logger: this.logger,
      onError: opts.onError,
      onDepth: opts.onDepth,
    });
  }

  /** One scheduler among the workers: cron ticks and polls run where this says leader. */
  createLeader(onChange: (leader: boolean) => void): RedisLeader {
    return new RedisLeader({ redis: this.redis, key: redisKey(this.config.redisPrefix, 'scheduler-leader'), ttlMs: this.config.queueLockMs, logger: this.logger, onChange });
  }

  async close(): Promise<void> {
    await this.nudge.close();
    this.redis.disconnect();
  }
}
