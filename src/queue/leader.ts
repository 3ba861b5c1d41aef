// One leader among the worker processes for work that must happen once per install (cron ticks,
// polls): a Redis key set with NX and a TTL, renewed by its holder every third of the TTL. When
// the holder dies the key expires and another process takes it. A holder that cannot renew steps
// down on its own before the TTL runs out, so two leaders never act at once (clock drift aside).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

// Renews the key if this process holds it, else takes it if nobody does.
const CLAIM = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface LeaderOptions {
  redis: Redis;
  key: string;
  ttlMs: number;
  logger: Logger;
  /** Told when this process becomes leader (true) or stops being one (false). */
  onChange(leader: boolean): void;
}

export class RedisLeader {
  readonly id = randomUUID();
  private readonly opts: LeaderOptions;
  private leader = false;
  /** Leadership is trusted until this time unless renewed (a margin before the key's own expiry). */
  private validUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Steps down when leadership was not renewed in time, before the key itself expires. */
  private lapse: NodeJS.Timeout | null = null;
  private stopped = true;
  private ticking: Promise<void> | null = null;

  constructor(opts: LeaderOptions) {
    this.opts = opts;
  }

  /** Makes the first attempt before resolving, then keeps trying (or renewing) every ttl/3. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
    this.schedule();
  }

  isLeader(): boolean {
    return this.leader && Date.now() < this.validUntil;
  }

  /** Stops; `release` hands leadership over at once (a clean shutdown), else it lapses with the TTL. */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.lapse) clearTimeout(this.lapse);
    this.lapse = null;
    await this.ticking?.catch(() => undefined);
    if (release && this.leader) await this.opts.redis.eval(RELEASE, 1, this.opts.key, this.id).catch(() => undefined);
    this.setLeader(false);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.tick().finally(() => this.schedule());
    }, Math.max(50, Math.floor(this.opts.ttlMs / 3)));
    this.timer.unref();
  }

  private tick(): Promise<void> {
    const run = this.attempt().finally(() => {
      if (this.ticking === run) this.ticking = null;
    });
    this.ticking = run;
    return run;
  }

  private async attempt(): Promise<void> {
    const { redis, key, ttlMs } = this.opts;
    const asked = Date.now();
    try {
      const ok = Number(await redis.eval(CLAIM, 1, key, this.id, ttlMs)) === 1;
      if (this.stopped) return;
      // Counted from before the request: the key may have been set that early.
      if (ok) this.renewed(asked + Math.floor((ttlMs * 2) / 3));
      this.setLeader(ok);
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'leader election: Redis did not answer');
      if (this.leader && Date.now() >= this.validUntil) this.setLeader(false);
    }
  }

  private renewed(validUntil: number): void {
    this.validUntil = validUntil;
    if (this.lapse) clearTimeout(this.lapse);
    this.lapse = setTimeout(() => {
      this.lapse = null;
      if (Date.now() >= this.validUntil) this.setLeader(false);
    }, Math.max(1, validUntil - Date.now()));
    this.lapse.unref();
  }

  private setLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.opts.logger.info({ leader, key: this.opts.key }, leader ? 'this process now runs the schedules and polls' : 'this process no longer runs the schedules and polls');
    this.opts.onChange(leader);
  }
}
