// The plan's incoming webhooks per second, shared by every web process of an install: a token
// bucket (capacity = the rate, refilled continuously) kept in Redis and changed by one Lua script.
// Without Redis the plans service keeps the same bucket in memory.
import type { Redis } from 'ioredis';
import { redisKey } from '../queue/redis.ts';

// KEYS[1]: the workspace's bucket {tokens, at (ms)}. ARGV: rate, now (ms; empty: the server's
// TIME). Returns 0 when a token was taken, else whole seconds until one is there.
const SCRIPT = `
local now
if ARGV[2] ~= '' then now = tonumber(ARGV[2]) else
  local t = redis.call('TIME'); now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000 end
local rate = tonumber(ARGV[1])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or rate
local at = tonumber(b[2]) or now
tokens = math.min(rate, tokens + math.max(0, now - at) / 1000 * rate)
local wait = 0
if tokens < 1 then wait = math.max(1, math.ceil((1 - tokens) / rate)) else tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
-- idle for a second, a bucket is full again: nothing is lost when it expires
redis.call('PEXPIRE', KEYS[1], 2000)
return wait
`;

export interface WebhookRateGate {
  /** Takes one token: 0 when the webhook may be admitted, else seconds to tell the sender to wait. */
  take(workspaceId: string, ratePerSecond: number): Promise<number>;
}

export class RedisWebhookRate implements WebhookRateGate {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly now: (() => number) | undefined;

  /** `now`: epoch ms, only for tests (otherwise the Redis server's clock). */
  constructor(opts: { redis: Redis; prefix: string; now?: () => number }) {
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.now = opts.now;
  }

  async take(workspaceId: string, ratePerSecond: number): Promise<number> {
    const now = this.now ? String(this.now()) : '';
    return Number(await this.redis.eval(SCRIPT, 1, redisKey(this.prefix, 'webhook-rate', workspaceId), ratePerSecond, now));
  }
}
