// Flows: CRUD, enable/disable, import/export, the field picker.
import { z } from 'zod';
import type { Services } from '../../app.ts';
import { flattenSample } from '../../engine/flatten.ts';
import { FlowNotFoundError, Flows } from '../../engine/flows.ts';
import { notFound, type ApiRouter } from '../router.ts';
import { id } from './params.ts';

export function registerFlowsRoutes(api: ApiRouter, s: Services): void {
  const flowOf = async (workspaceId: string, flowId: string) => {
    const flow = await s.store.getFlow(workspaceId, flowId);
    if (!flow) throw notFound('Flow');
    return flow;
  };
  api.add({
    method: 'GET', url: '/flows', summary: 'Flows of the workspace', tag: 'flows', role: 'viewer',
    async handler({ workspaceId }) {
      return { items: (await s.store.listFlows(workspaceId)).map((f) => s.flows.view(f)) };
    },
  });
  api.add({
    method: 'POST', url: '/flows', summary: 'Create a flow (or update the one with the same name): flow JSON', tag: 'flows', role: 'editor', body: z.unknown(), status: 201,
    async handler({ body, workspaceId }) {
      return s.flows.view(await s.flows.save(workspaceId, body));
    },
  });
  api.add({
    method: 'POST', url: '/flows/import', summary: 'Import a flow from JSON or YAML text (creates or updates by name)', tag: 'flows', role: 'editor',
    body: z.object({ text: z.string().min(1).max(2_000_000) }), status: 201,
    async handler({ body, workspaceId }) {
      return s.flows.view(await s.flows.save(workspaceId, Flows.parseText(body.text)));
    },
  });
  api.add({
    method: 'GET', url: '/flows/:id', summary: 'One flow, with its webhook URL', tag: 'flows', role: 'viewer', params: id,
    async handler({ params, workspaceId }) {
      return s.flows.view(await flowOf(workspaceId, params.id));
    },
  });
  api.add({
    method: 'GET', url: '/flows/:id/export', summary: 'The flow JSON, ready to import elsewhere', tag: 'flows', role: 'viewer', params: id,
    async handler({ params, workspaceId }) {
      return (await flowOf(workspaceId, params.id)).definition;
    },
  });
  api.add({
    method: 'PUT', url: '/flows/:id', summary: 'Replace a flow', tag: 'flows', role: 'editor', params: id, body: z.unknown(),
    async handler({ params, body, workspaceId }) {
      try {
        return s.flows.view(await s.flows.save(workspaceId, body, params.id));
      } catch (error) {
        if (error instanceof FlowNotFoundError) throw notFound('Flow');
        throw error;
      }
    },
  });
  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    api.add({
      method: 'POST', url: `/flows/:id/${action}`, summary: `${action === 'enable' ? 'Enable' : 'Disable'} a flow`, tag: 'flows', role: 'editor', params: id,
      async handler({ params, workspaceId }) {
        const flow = await s.flows.setEnabled(workspaceId, params.id, enabled);
        if (!flow) throw notFound('Flow');
        return s.flows.view(flow);
      },
    });
  }
  api.add({
    method: 'DELETE', url: '/flows/:id', summary: 'Delete a flow (its history stays until pruned)', tag: 'flows', role: 'editor', params: id,
    async handler({ params, workspaceId }) {
      if (!(await s.flows.remove(workspaceId, params.id))) throw notFound('Flow');
      return { ok: true };
    },
  });
  api.add({
    method: 'GET', url: '/flows/:id/fields', summary: 'Fields for the picker: the trigger catalog plus every field of the latest webhook', tag: 'flows', role: 'viewer', params: id,
    async handler({ params, workspaceId }) {
      const flow = await flowOf(workspaceId, params.id);
      const def = s.flows.view(flow).definition;
      const trigger = s.connectors.flowTrigger(def.trigger);
      const latest = (await s.store.listWebhooks(workspaceId, { flowId: flow.id, status: 'accepted', limit: 1 })).items[0];
      const sample = latest?.body ?? def.trigger.options.sample;
      return {
        catalog: (trigger?.fields ?? []).map((f) => ({ id: f.id, label: f.label })),
        sample: sample === undefined ? [] : flattenSample(sample),
        sampleWebhookId: latest?.id ?? null,
      };
    },
  });

}
