// Exact monthly quotas when several processes share one database: every webhook and transaction is
// taken from the store's counter (PlanStore.takeQuota: the month's sum read and the day's row
// counted under one per-workspace lock), so all processes together are never granted more than the
// limit. Takes of one workspace, kind and day that arrive while a take is in flight wait and go
// together in the next one: one database transaction serves many requests (the group commit's
// idea), instead of one transaction and one WAL flush per webhook.
import type { PlanStore, QuotaTake } from '../store/types.ts';

export interface QuotaGrant {
  granted: boolean;
  /** The month's usage after this take (granted) or as it stood when refused. */
  used: number;
}

interface Waiter {
  limit: number;
  resolve: (grant: QuotaGrant) => void;
  reject: (error: unknown) => void;
}

interface Lane {
  take: Omit<QuotaTake, 'count' | 'limit'>;
  waiting: Waiter[];
  busy: boolean;
}

/** A batch refused as a whole is tried again with what is left this many times at most. */
const MAX_ROUNDS = 8;

export class QuotaMeter {
  private readonly store: Pick<PlanStore, 'takeQuota'>;
  private readonly lanes = new Map<string, Lane>();

  constructor(store: Pick<PlanStore, 'takeQuota'>) {
    this.store = store;
  }

  /** Takes one unit against `limit` for the month of `day`. */
  take(workspaceId: string, kind: QuotaTake['kind'], day: string, month: string, limit: number): Promise<QuotaGrant> {
    const key = `${workspaceId}\u0000${kind}\u0000${day}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { take: { workspaceId, kind, day, month }, waiting: [], busy: false };
      this.lanes.set(key, lane);
    }
    const promise = new Promise<QuotaGrant>((resolve, reject) => lane.waiting.push({ limit, resolve, reject }));
    if (!lane.busy) void this.drain(key, lane);
    return promise;
  }

  private async drain(key: string, lane: Lane): Promise<void> {
    lane.busy = true;
    try {
      while (lane.waiting.length > 0) {
        const batch = lane.waiting.splice(0);
        try {
          this.settle(batch, await this.takeUpTo(lane.take, batch.length, batch[batch.length - 1]!.limit));
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      lane.busy = false;
      this.lanes.delete(key);
    }
  }

  /** As many of `wanted` as the limit leaves (takeQuota is all or nothing, so a refusal retries with the room it reported). */
  private async takeUpTo(take: Lane['take'], wanted: number, limit: number): Promise<{ granted: number; used: number }> {
    let count = wanted;
    let used = 0;
    for (let round = 0; round < MAX_ROUNDS && count > 0; round++) {
      const result = await this.store.takeQuota({ ...take, count, limit });
      used = result.used;
      if (result.granted) return { granted: count, used };
      // Another process took some meanwhile: ask for what was left when we were refused.
      count = Math.min(count - 1, limit - used);
    }
    return { granted: 0, used };
  }

  private settle(batch: Waiter[], result: { granted: number; used: number }): void {
    const first = result.used - result.granted;
    batch.forEach((w, i) => (i < result.granted ? w.resolve({ granted: true, used: first + i + 1 }) : w.resolve({ granted: false, used: result.used })));
  }
}
