// Retention: webhook history (and, unless turned off, finished executions with their journals)
// older than the plan's days is deleted in small batches, each its own short write, so intake is
// never blocked for long; freed pages go back to the file system (incremental vacuum).
import type { Services } from '../services.ts';
import { enforceDiskLimits } from './disk-limit.ts';

const BATCH = 500;
const EVERY_MS = 10 * 60_000;

export async function pruneOnce(s: Services, now = Date.now()): Promise<{ webhooks: number; executions: number; storeRecords: number }> {
  let webhooks = 0;
  let executions = 0;
  let storeRecords = 0;
  for (const workspaceId of await s.store.plans.listWorkspaceIds()) {
    await s.plans.prepare(workspaceId, now);
    const before = now - s.plans.planOf(workspaceId).historyDays * 86_400_000;
    for (let n = BATCH; n === BATCH; ) {
      n = await s.store.plans.pruneWebhooks(workspaceId, before, BATCH);
      webhooks += n;
      await new Promise((r) => setImmediate(r)); // let intake in between batches
    }
    if (s.config.pruneExecutions) {
      for (let n = BATCH; n === BATCH; ) {
        n = await s.store.plans.pruneExecutions(workspaceId, before, BATCH);
        executions += n;
        await new Promise((r) => setImmediate(r));
      }
    }
  }
  // The data store's expired records (they already read as absent) go too, freeing the plan's room.
  for (let n = BATCH; n === BATCH; ) {
    n = await s.store.collections.sweepExpired(now, BATCH);
    storeRecords += n;
    await new Promise((r) => setImmediate(r));
  }
  await enforceDiskLimits(s, now); // measures disk usage per workspace, prunes over a plan's historyBytes
  if (webhooks + executions + storeRecords > 0) await s.store.plans.reclaimSpace(2000);
  return { webhooks, executions, storeRecords };
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
