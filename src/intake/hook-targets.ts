// Token → flow lookups for the webhook endpoint, cached briefly: the hot path should not hit the
// database for every request. Flow changes in this process invalidate at once; changes made by
// another process (the CLI) are seen within the TTL.
import type { HookTarget, Store } from '../store/types.ts';

const TTL_MS = 2000;
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
}
