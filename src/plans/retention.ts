// Retention: webhook history (and, unless turned off, finished executions with their journals)
// older than the plan's days is deleted in small batches, each its own short write, so intake is
// never blocked for long; freed pages go back to the file system (incremental vacuum).
import type { Services } from '../services.ts';
import { enforceDiskLimits } from './disk-limit.ts';

/** Rows per delete: ~5 ms each at 1 M rows (500 took ~10). */
const BATCH = 250;
const EVERY_MS = 10 * 60_000;
/** Free pages given back per run, at most (16 GB of 16 KB pages): all that a first run on a long history frees. */
const RECLAIM_PAGES = 1 << 20;

export interface Pruned {
  webhooks: number;
  executions: number;
  storeRecords: number;
  /** How long it took, and each part: deleting by age, the disk usage pass, giving pages back. */
  ms: { total: number; prune: number; disk: number; reclaim: number };
}

export async function pruneOnce(s: Services, now = Date.now()): Promise<Pruned> {
  const started = Date.now();
  let webhooks = 0;
  let executions = 0;
  let storeRecords = 0;
  for (const workspaceId of await s.store.plans.listWorkspaceIds()) {
    await s.plans.prepare(workspaceId, now);
    const before = now - s.plans.planOf(workspaceId).historyDays * 86_400_000;
    for (let n = BATCH; n === BATCH; ) {
      const batchStarted = Date.now();
      n = await s.store.plans.pruneWebhooks(workspaceId, before, BATCH);
      webhooks += n;
      await yieldAsLong(batchStarted);
    }
    if (s.config.pruneExecutions) {
      for (let n = BATCH; n === BATCH; ) {
        const batchStarted = Date.now();
        n = await s.store.plans.pruneExecutions(workspaceId, before, BATCH);
        executions += n;
        await yieldAsLong(batchStarted);
      }
    }
  }
  // The data store's expired records (they already read as absent) go too, freeing the plan's room.
  for (let n = BATCH; n === BATCH; ) {
    const batchStarted = Date.now();
    n = await s.store.collections.sweepExpired(now, BATCH);
    storeRecords += n;
    await yieldAsLong(batchStarted);
  }
  const pruned = Date.now();
  await enforceDiskLimits(s, now); // measures disk usage per workspace, prunes over a plan's historyBytes
  const measured = Date.now();
  if (webhooks + executions + storeRecords > 0) await s.store.plans.reclaimSpace(RECLAIM_PAGES);
  const ms = { total: Date.now() - started, prune: pruned - started, disk: measured - pruned, reclaim: Date.now() - measured };
  return { webhooks, executions, storeRecords, ms };
}

/**
 * After a batch, as long again for everything else: retention takes at most about half the
 * database's time, and the checkpoints its deletes cause come half as often.
 */
function yieldAsLong(since: number): Promise<void> {
  const took = Date.now() - since;
  return new Promise((r) => (took > 0 ? setTimeout(r, took) : setImmediate(r)));
}

export function startRetention(s: Services): { stop(): void } {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const pruned = await pruneOnce(s);
      if (pruned.webhooks + pruned.executions + pruned.storeRecords > 0) s.logger.info(pruned, 'retention: pruned history older than the plans allow');
    } catch (err) {
      s.logger.error({ err }, 'retention job failed');
    } finally {
      running = false;
    }
  };
  const first = setTimeout(tick, 30_000);
  const timer = setInterval(tick, EVERY_MS);
  first.unref();
  timer.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
