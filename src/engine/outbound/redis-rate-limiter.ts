// The per-connection (per-account, per-key) request rate across every process of an install: the
// same sliding-window log as LocalRateLimiter, kept in Redis and changed by one Lua script, so
// the check and the record of a start are one atomic step for all workers together. Times come
// from the Redis server's clock (one clock for every process) unless a test injects one.
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { redisKey } from '../../queue/redis.ts';
import { windowOf, type RateLimiter } from './rate-limiter.ts';

// KEYS[1]: the key's sorted set of start times (µs). ARGV: limit, window (µs), member, now (µs;
// empty: the server's TIME). Returns 0 when a start was recorded, else the ms to wait.
const SCRIPT = `
local now
if ARGV[4] ~= '' then now = tonumber(ARGV[4]) else
  local t = redis.call('TIME'); now = tonumber(t[1]) * 1000000 + tonumber(t[2]) end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  return 0
end
local edge = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
return math.max(1, math.ceil((tonumber(edge[2]) + window - now) / 1000))
`;

/** A grant is this many Redis calls at most; past it the caller is told (a limiter never spins forever). */
const MAX_ATTEMPTS = 1_000_000;

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly now: (() => number) | undefined;
  /** Per key, the last local waiter: one process asks Redis for one key at a time, in FIFO order. */
  private readonly tails = new Map<string, Promise<void>>();

  /** `now`: epoch ms, only for tests (otherwise the Redis server's clock). */
  constructor(opts: { redis: Redis; prefix: string; now?: () => number }) {
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.now = opts.now;
  }

  async acquire(key: string, ratePerSecond: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    if (ratePerSecond === Infinity) return;
    if (!(ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be a positive number, got ${ratePerSecond}`);
    const before = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    try {
      await abortable(before, signal);
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const wait = await this.tryAcquire(key, ratePerSecond);
        if (wait === 0) return;
        await sleep(wait, undefined, { signal });
      }
      throw new Error(`Rate limiter: no start granted for a key after ${MAX_ATTEMPTS} attempts`);
    } finally {
      release();
    }
  }

  /** One attempt: 0 when a start was recorded, else how many ms until one may be. */
  async tryAcquire(key: string, ratePerSecond: number): Promise<number> {
    const { limit, windowMs } = windowOf(ratePerSecond);
    const now = this.now ? String(Math.round(this.now() * 1000)) : '';
    const wait = await this.redis.eval(SCRIPT, 1, this.keyOf(key), limit, Math.round(windowMs * 1000), randomUUID(), now);
    return Number(wait);
  }

  /** Limit keys can be derived from credentials (an API key): Redis sees a digest only. */
  private keyOf(key: string): string {
    return redisKey(this.prefix, 'rate', createHash('sha256').update(key).digest('base64url').slice(0, 32));
  }
}

function abortable(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
