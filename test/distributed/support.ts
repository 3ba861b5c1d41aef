// Distributed-mode tests need a real Redis (and, for the process tests, a real PostgreSQL). They
// run where the environment names them, as .ci/run's second pass does, and skip with the reason
// elsewhere.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ExecutionLeases } from '../../src/queue/bullmq-queue.ts';
import { deletePrefix, openRedis } from '../../src/queue/redis.ts';

export const REDIS_URL = process.env.SVYAZKA_TEST_REDIS_URL;
export const DATABASE_URL = process.env.SVYAZKA_TEST_DATABASE_URL;

async function redisAnswers(url: string): Promise<boolean> {
  const redis = openRedis({ url, prefix: 'probe' }, { waitForever: false, name: 'probe' });
  let timer: NodeJS.Timeout | undefined;
  try {
    return (await Promise.race([redis.ping(), new Promise<string>((resolve) => (timer = setTimeout(() => resolve('timeout'), 3000)))])) === 'PONG';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}

/** Why Redis tests cannot run here, or null when they can. */
export async function redisSkipReason(): Promise<string | null> {
  if (!REDIS_URL) return 'SVYAZKA_TEST_REDIS_URL is not set (.ci/run sets it for its PostgreSQL + Redis pass: SVYAZKA_TEST_REDIS_URL=redis://127.0.0.1:6379)';
  if (!(await redisAnswers(REDIS_URL))) return `Redis at ${REDIS_URL} does not answer PING`;
  return null;
}

/** A fresh key prefix and a connection; `drop()` removes the prefix's keys and disconnects. */
export function testRedis(): { prefix: string; redis: Redis; connect(name: string): Redis; drop(): Promise<void> } {
  const prefix = `svyazka-test-${randomBytes(6).toString('hex')}`;
  const opened: Redis[] = [];
  const connect = (name: string) => {
    const r = openRedis({ url: REDIS_URL!, prefix }, { waitForever: true, name });
    opened.push(r);
    return r;
  };
  const redis = connect('test');
  return {
    prefix,
    redis,
    connect,
    async drop() {
      await deletePrefix(redis, prefix).catch(() => undefined);
      for (const r of opened) r.disconnect();
    },
  };
}

/**
 * Execution leases kept in memory, for queue tests whose executions are not rows in a store (the
 * store's own leases are tested in test/store and test/distributed/lease.test.ts).
 */
export function memoryLeases(): ExecutionLeases {
  const held = new Map<string, { owner: string; until: number }>();
  return {
    async claimExecution(id, owner, now, leaseMs) {
      const lease = held.get(id);
      if (lease && lease.owner !== owner && lease.until > now) return false;
      held.set(id, { owner, until: now + leaseMs });
      return true;
    },
    async releaseExecution(id, owner) {
      if (held.get(id)?.owner === owner) held.delete(id);
    },
  };
}
