// Webhook history and replay.
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { notFound, type ApiRouter } from '../router.ts';
import { executionView, webhookView } from '../views.ts';
import { id, limit, time } from './params.ts';

export function registerWebhooksRoutes(api: ApiRouter, s: Services): void {
  api.add({
    method: 'GET', url: '/webhooks', summary: 'Webhook history, newest first; filter by flow, time and status', tag: 'webhooks', role: 'viewer',
    query: z.object({
      flowId: z.string().optional(),
      status: z.enum(['accepted', 'no_enabled_flow', 'invalid']).optional(),
      from: time.optional(),
      to: time.optional(),
      before: z.string().optional(),
      limit,
    }),
    async handler({ query, workspaceId }) {
      const result = await s.store.listWebhooks(workspaceId, query);
      const names = await s.store.flowNames(workspaceId, result.items.map((w) => w.flowId));
      return { items: result.items.map((w) => webhookView(w, false, names.get(w.flowId) ?? null)), next: result.next };
    },
  });
  api.add({
    method: 'GET', url: '/webhooks/:id', summary: 'One webhook: headers, query, body and the executions it started', tag: 'webhooks', role: 'viewer', params: id,
    async handler({ params, workspaceId }) {
      const w = await s.store.getWebhook(workspaceId, params.id);
      if (!w) throw notFound('Webhook');
      const executions = await s.store.listExecutions(workspaceId, { webhookId: w.id, limit: 100 });
      const names = await s.store.flowNames(workspaceId, [w.flowId]);
      return { ...webhookView(w, true, names.get(w.flowId) ?? null), executions: executions.items.map((e) => executionView(e)) };
    },
  });
  api.add({
    method: 'POST', url: '/webhooks/:id/replay', summary: "Run the webhook through its flow again (a new execution)", tag: 'webhooks', role: 'editor', params: id, status: 201,
    audit: { action: 'webhook.replay', target: (c) => ({ type: 'webhook', id: c.params.id }), details: (c) => ({ executionId: c.result.id }) },
    async handler({ params, workspaceId }) {
      return executionView(await s.runs.replay(workspaceId, params.id));
    },
  });

}
