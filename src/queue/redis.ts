// One way to open Redis for every distributed part (queue, shared limits, leader, change nudges),
// and the key names they share, so one REDIS_URL can host several installs (or parallel tests)
// side by side under different prefixes.
import { Redis } from 'ioredis';

export interface RedisSettings {
  url: string;
  /** Namespace of every key this install writes (SVYAZKA_REDIS_PREFIX). */
  prefix: string;
}

/**
 * `waitForever`: commands wait through a disconnection until Redis is back (workers, limiters:
 * their callers have nothing better to do). Otherwise commands fail fast while Redis is away,
 * so a caller whose durable record is elsewhere (intake's enqueue) is not held up.
 */
export function openRedis(settings: RedisSettings, opts: { waitForever: boolean; name: string }): Redis {
  const redis = new Redis(settings.url, {
    connectionName: `svyazka:${opts.name}`,
    maxRetriesPerRequest: opts.waitForever ? null : 1,
    enableOfflineQueue: true,
    // Reconnect quickly after a Redis restart, never give up.
    retryStrategy: (times) => Math.min(50 * times, 1000),
    lazyConnect: false,
  });
  // A Redis restart is expected in distributed mode; the callers' errors are what matter.
  redis.on('error', () => undefined);
  return redis;
}

export function redisKey(prefix: string, ...parts: string[]): string {
  return [prefix, ...parts].join(':');
}

/** Removes every key under the prefix (tests and `bench/` clean up after themselves). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  for (let round = 0; round < 100_000; round++) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) deleted += await redis.unlink(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  return deleted;
}
