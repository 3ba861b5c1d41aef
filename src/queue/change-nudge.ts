// Cache invalidation across processes, faster than the change feed's poll: after this process
// commits a change it publishes a nudge on Redis, and every process that hears it reads its
// change feed at once. The feed (rows written in the same transaction as the change) stays the
// record; a lost nudge only means the change arrives with the next regular poll.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { openRedis, redisKey, type RedisSettings } from './redis.ts';

export class ChangeNudge {
  private readonly settings: RedisSettings;
  private readonly publisher: Redis;
  private subscriber: Redis | null = null;
  private readonly channel: string;
  private readonly logger: Logger;
  private publishing = false;
  private again = false;

  constructor(opts: { redis: RedisSettings; publisher: Redis; logger: Logger }) {
    this.settings = opts.redis;
    this.publisher = opts.publisher;
    this.logger = opts.logger;
    this.channel = redisKey(opts.redis.prefix, 'changes');
  }

  /** Calls `onNudge` whenever any process (this one included) published. */
  async listen(onNudge: () => void): Promise<void> {
    this.subscriber = openRedis(this.settings, { waitForever: true, name: 'changes' });
    this.subscriber.on('message', (channel) => {
      if (channel === this.channel) onNudge();
    });
    await this.subscriber.subscribe(this.channel);
  }

  /** Several changes in a row make one message in flight and at most one after it. */
  publish(): void {
    if (this.publishing) {
      this.again = true;
      return;
    }
    this.publishing = true;
    void this.publisher
      .publish(this.channel, '1')
      .catch((err) => this.logger.debug({ err: (err as Error).message }, 'change nudge not published; the feed poll carries the change'))
      .finally(() => {
        this.publishing = false;
        if (this.again) {
          this.again = false;
          this.publish();
        }
      });
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    this.subscriber = null;
  }
}
