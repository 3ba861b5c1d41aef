// In-process news of stored webhooks, for the "catch a sample" long poll: intake tells, waiters
// for that flow wake at once instead of querying the database over and over. One per app
// (Services.webhookSignals).

type Waiter = (webhookId: string) => void;

export class WebhookSignals {
  private readonly waiters = new Map<string, Set<Waiter>>();

  stored(flowId: string, webhookId: string): void {
    const set = this.waiters.get(flowId);
    if (!set) return;
    for (const waiter of set) waiter(webhookId);
  }

  /**
   * Resolves with the id of the next webhook stored for the flow, or null after `timeoutMs` or
   * when `signal` aborts.
   */
  next(flowId: string, timeoutMs: number, signal?: AbortSignal): Promise<string | null> {
    return new Promise((resolve) => {
      let set = this.waiters.get(flowId);
      if (!set) this.waiters.set(flowId, (set = new Set()));
      const finish = (id: string | null) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        set!.delete(waiter);
        if (set!.size === 0 && this.waiters.get(flowId) === set) this.waiters.delete(flowId);
        resolve(id);
      };
      const waiter: Waiter = (id) => finish(id);
      const onAbort = () => finish(null);
      const timer = setTimeout(() => finish(null), timeoutMs);
      set.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
