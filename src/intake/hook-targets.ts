// Token → flow lookups for the webhook endpoint, cached: the hot path should not hit the database
// for every request. Flow changes in this process invalidate at once; changes made by another
// process (the CLI, a second server) arrive through the change feed (engine/change-feed.ts) within
// about a second. The TTL only bounds staleness should the feed ever stall.
import type { HookTarget, Store } from '../store/types.ts';

const TTL_MS = 60_000;
const MAX_ENTRIES = 50_000;

export class HookTargets {
  private readonly cache = new Map<string, { at: number; target: HookTarget | null }>();
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  async find(token: string): Promise<HookTarget | null> {
    const now = Date.now();
    const hit = this.cache.get(token);
    if (hit && now - hit.at < TTL_MS) return hit.target;
    const target = (await this.store.findHookTarget(token)) ?? null;
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(token, { at: now, target });
    return target;
  }

  invalidate(token: string | null): void {
    if (token) this.cache.delete(token);
  }

  /**
   * Forgets what is cached of the flow (its token may have changed, so by flow id), and every
   * "no such token": one may belong to this flow now.
   */
  invalidateFlow(flowId: string): void {
    for (const [token, hit] of this.cache) if (!hit.target || hit.target.flowId === flowId) this.cache.delete(token);
  }

  clear(): void {
    this.cache.clear();
  }
}
