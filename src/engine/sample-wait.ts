// "Catch a sample" for a webhook trigger: wait until a webhook for the flow newer than `after` is
// stored (a disabled flow's too). Checks at start, then sleeps until intake signals a webhook for
// the flow; a slow re-check also covers webhooks taken by another process.
import type { Store, WebhookRecord } from '../store/types.ts';
import type { WebhookSignals } from '../intake/webhook-signals.ts';

const RECHECK_MS = 5000;

async function newest(store: Store, workspaceId: string, flowId: string, after: string | undefined): Promise<WebhookRecord | null> {
  const latest = (await store.listWebhooks(workspaceId, { flowId, limit: 1 })).items[0];
  // Ids sort by time (newId), so "newer" is a string comparison.
  return latest && (!after || latest.id > after) ? latest : null;
}

export async function waitForSample(
  store: Store,
  signals: WebhookSignals,
  workspaceId: string,
  flowId: string,
  opts: { after?: string; timeoutMs: number; signal?: AbortSignal },
): Promise<WebhookRecord | null> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const found = await newest(store, workspaceId, flowId, opts.after);
    if (found) return found;
    const left = deadline - Date.now();
    if (left <= 0 || opts.signal?.aborted) return null;
    await signals.next(flowId, Math.min(left, RECHECK_MS), opts.signal);
  }
}
