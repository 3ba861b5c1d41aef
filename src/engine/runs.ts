// What users do to executions by hand: retry a failed one, replay a stored webhook, cancel.
import { newId } from '../lib/ids.ts';
import type { ExecutionQueue } from '../queue/types.ts';
import type { ExecutionRecord, Store } from '../store/types.ts';
import { mergeQuery } from '../lib/merge-query.ts';
import { FINAL_STATUSES } from './executor.ts';

export class RunError extends Error {
  readonly statusCode: number;
  constructor(message: string, statusCode: number) {
    super(message);
    this.name = 'RunError';
    this.statusCode = statusCode;
  }
}

export class Runs {
  private readonly deps: { store: Store; queue: ExecutionQueue | null };

  constructor(deps: { store: Store; queue: ExecutionQueue | null }) {
    this.deps = deps;
  }

  /**
   * Runs a failed execution again from its failed step; earlier steps are not repeated. `as_ran`
   * keeps the flow version it ran with; `current` goes on with the flow as saved now (steps
   * already done, by id, keep their results).
   */
  async retry(workspaceId: string, executionId: string, mode: 'as_ran' | 'current' = 'as_ran'): Promise<ExecutionRecord> {
    const { store } = this.deps;
    const current = await store.getExecution(workspaceId, executionId);
    if (!current) throw new RunError('Execution not found', 404);
    if (current.status !== 'failed') throw new RunError(`Only failed executions can be retried; this one is ${current.status}`, 409);
    let version: number | undefined;
    if (mode === 'current') {
      const flow = await store.getFlow(workspaceId, current.flowId);
      if (!flow) throw new RunError('The flow of this execution no longer exists', 409);
      version = flow.version;
    }
    const queued = await store.requeueFailed(workspaceId, executionId, Date.now(), version);
    if (!queued) throw new RunError('Execution changed meanwhile; reload it', 409);
    await this.deps.queue?.push([{ executionId }]);
    return queued;
  }

  /** A new execution of the webhook's flow (current version) with the stored body. */
  async replay(workspaceId: string, webhookId: string): Promise<ExecutionRecord> {
    const { store } = this.deps;
    const webhook = await store.getWebhook(workspaceId, webhookId);
    if (!webhook) throw new RunError('Webhook not found', 404);
    if (webhook.status === 'invalid') throw new RunError('This webhook could not be parsed when it arrived, so there is nothing to replay', 409);
    const flow = await store.getFlow(workspaceId, webhook.flowId);
    if (!flow) throw new RunError('The flow of this webhook no longer exists', 409);
    const now = Date.now();
    const id = newId('ex', now);
    await store.createExecution({
      id,
      workspaceId,
      flowId: flow.id,
      flowVersion: flow.version,
      webhookId: webhook.id,
      origin: 'replay',
      trigger: mergeQuery(webhook.body, webhook.query),
      // Derived from the webhook row when read: the body is not stored a second time.
      triggerFromWebhook: true,
      nextRunAt: now,
    });
    await this.deps.queue?.push([{ executionId: id }]);
    return (await store.getExecution(workspaceId, id))!;
  }

  async cancel(workspaceId: string, executionId: string): Promise<ExecutionRecord> {
    const current = await this.deps.store.getExecution(workspaceId, executionId);
    if (!current) throw new RunError('Execution not found', 404);
    if (FINAL_STATUSES.has(current.status)) throw new RunError(`Execution already ended as ${current.status}`, 409);
    await this.deps.store.updateExecution(executionId, { status: 'cancelled', finishedAt: Date.now() });
    return (await this.deps.store.getExecution(workspaceId, executionId))!;
  }
}
