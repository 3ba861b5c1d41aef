// Executions with their step journal; retry and cancel.
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { notFound, type ApiRouter } from '../router.ts';
import { executionView } from '../views.ts';
import { id, limit, executionStatus, time } from './params.ts';

export function registerExecutionsRoutes(api: ApiRouter, s: Services): void {
  api.add({
    method: 'GET', url: '/executions', summary: 'Executions, newest first', tag: 'executions', role: 'viewer',
    query: z.object({
      flowId: z.string().optional(),
      status: executionStatus.optional(),
      webhookId: z.string().optional(),
      from: time.optional(),
      to: time.optional(),
      before: z.string().optional(),
      limit,
    }),
    async handler({ query, workspaceId }) {
      const result = await s.store.listExecutions(workspaceId, query);
      const names = await s.store.flowNames(workspaceId, result.items.map((e) => e.flowId));
      return { items: result.items.map((e) => executionView(e, undefined, names.get(e.flowId) ?? null)), next: result.next };
    },
  });
  api.add({
    method: 'GET', url: '/executions/:id', summary: 'One execution with its step journal', tag: 'executions', role: 'viewer', params: id,
    async handler({ params, workspaceId }) {
      const e = await s.store.getExecution(workspaceId, params.id);
      if (!e) throw notFound('Execution');
      const names = await s.store.flowNames(workspaceId, [e.flowId]);
      return executionView(e, await s.store.listSteps(e.id), names.get(e.flowId) ?? null);
    },
  });
  api.add({
    method: 'POST', url: '/executions/:id/retry', summary: "Run a failed execution again from the failed step, with the flow version it ran (as_ran) or the flow's current one", tag: 'executions', role: 'editor', params: id,
    audit: { action: 'execution.retry', target: (c) => ({ type: 'execution', id: c.params.id }), details: (c) => ({ mode: c.body?.mode ?? 'as_ran' }) },
    body: z.object({ mode: z.enum(['as_ran', 'current']).default('as_ran') }).optional(),
    async handler({ params, body, workspaceId }) {
      return executionView(await s.runs.retry(workspaceId, params.id, body?.mode ?? 'as_ran'));
    },
  });
  api.add({
    method: 'POST', url: '/executions/:id/cancel', summary: 'Cancel an unfinished execution', tag: 'executions', role: 'editor', params: id,
    audit: { action: 'execution.cancel', target: (c) => ({ type: 'execution', id: c.params.id }) },
    async handler({ params, workspaceId }) {
      return executionView(await s.runs.cancel(workspaceId, params.id));
    },
  });

}
