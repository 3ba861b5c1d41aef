// Flows: CRUD, enable/disable, import/export, the field picker.
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { PermanentError } from '../../connector-kit/errors.ts';
import { flattenSample } from '../../engine/flatten.ts';
import { FlowNotFoundError, Flows } from '../../engine/flows.ts';
import { NotPollableError, pollSample, prepareSample } from '../../engine/trigger-sample.ts';
import { waitForSample } from '../../engine/sample-wait.ts';
import { validateFlow } from '../../engine/validate-flow.ts';
import { startOfDay } from '../../engine/zoned-time.ts';
import { mergeQuery } from '../../lib/merge-query.ts';
import { monthOf } from '../../plans/periods.ts';
import { ApiError, notFound, type ApiRouter } from '../router.ts';
import { id } from './params.ts';
import { auditLookups } from './audit.ts';

/** The longest flow text imported as YAML (real flows are a few KB). */
const YAML_MAX_CHARS = 64 * 1024;

const fieldsOf = (sample: unknown) => flattenSample(sample).map((f) => ({ id: f.id, value: f.sample }));

export function registerFlowsRoutes(api: ApiRouter, s: Services): void {
  const A = auditLookups(s);
  const flowOf = async (workspaceId: string, flowId: string) => {
    const flow = await s.store.getFlow(workspaceId, flowId);
    if (!flow) throw notFound('Flow');
    return flow;
  };
  api.add({
    method: 'GET', url: '/flows', summary: 'Flows of the workspace by name, a page at a time, each with its counters', tag: 'flows', role: 'viewer',
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(50),
      offset: z.coerce.number().int().min(0).default(0),
      q: z.string().max(200).optional(),
    }),
    async handler({ query, workspaceId }) {
      // Filtered here rather than with SQL LIKE, which folds case for ASCII only (not Cyrillic).
      const needle = query.q?.trim().toLocaleLowerCase('ru');
      const all = await s.store.listFlows(workspaceId);
      const matching = needle ? all.filter((f) => f.name.toLocaleLowerCase('ru').includes(needle)) : all;
      const listed = matching.slice(query.offset, query.offset + query.limit);
      const workspace = await s.store.getWorkspace(workspaceId);
      const now = Date.now();
      // "Today" in the workspace's zone; the month is the billing month the usage counters keep (Moscow).
      const stats = await s.store.flowStats(workspaceId, listed.map((f) => f.id), startOfDay(now, workspace?.timezone ?? ''), monthOf(now));
      return {
        items: listed.map((f) => {
          const st = stats.get(f.id)!;
          const last = st.lastExecution;
          return { ...s.flows.view(f), stats: { ...st, lastExecution: last && { id: last.id, status: last.status, at: new Date(last.at).toISOString() } } };
        }),
        total: matching.length,
      };
    },
  });
  api.add({
    method: 'POST', url: '/flows/test-run', summary: 'Run a flow definition once on a sample, now, and show every step: nothing is stored; requests to real accounts are metered, sandbox ones are not', tag: 'flows', role: 'editor',
    audit: { exempt: 'a test run stores nothing (its metered transactions show in usage)' },
    body: z.object({ definition: z.unknown(), sample: z.unknown().optional(), sandbox: z.boolean().default(false), flowId: z.string().max(100).optional() }),
    async handler({ body, workspaceId }) {
      const definition = validateFlow(body.definition, s.connectors, { envAllowed: await s.variables.envAllowed(workspaceId) });
      const saved = body.flowId ? await s.store.getFlow(workspaceId, body.flowId) : await s.store.getFlowByName(workspaceId, definition.name);
      let sample = body.sample;
      if (sample === undefined && saved) {
        const latest = (await s.store.listWebhooks(workspaceId, { flowId: saved.id, limit: 5 })).items.find((w) => w.status !== 'invalid');
        if (latest) sample = mergeQuery(latest.body, latest.query);
      }
      sample ??= definition.trigger.options.sample ?? {};
      return s.testRuns.run(workspaceId, definition, sample, { sandbox: body.sandbox, flowId: saved?.id });
    },
  });
  api.add({
    method: 'GET', url: '/flows/:id/sample/wait', summary: 'Wait (long poll) for a webhook to this flow newer than `after`, enabled or not', tag: 'flows', role: 'viewer', params: id,
    query: z.object({ after: z.string().max(100).optional(), timeoutSec: z.coerce.number().min(0).max(30).default(25) }),
    async handler({ params, query, workspaceId, reply }) {
      const flow = await flowOf(workspaceId, params.id);
      const gone = new AbortController();
      // The client gave up (closed the tab): stop waiting.
      const onClose = () => gone.abort();
      reply.raw.once('close', onClose);
      try {
        const webhook = await waitForSample(s.store, s.webhookSignals, workspaceId, flow.id, { after: query.after || undefined, timeoutMs: query.timeoutSec * 1000, signal: gone.signal });
        if (!webhook) return { webhook: null };
        const answer = { webhook: { id: webhook.id, receivedAt: new Date(webhook.receivedAt).toISOString(), status: webhook.status, body: webhook.body } };
        if (webhook.status === 'invalid') return { ...answer, fields: [] };
        const received = mergeQuery(webhook.body, webhook.query);
        try {
          // Fields as the steps will see them (e.g. the whole re-fetched order, not just its id).
          return { ...answer, fields: fieldsOf(await prepareSample(s, flow, received)) };
        } catch (error) {
          return { ...answer, fields: fieldsOf(received), prepareError: (error as Error).message };
        }
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  });
  api.add({
    method: 'POST', url: '/flows/:id/sample/poll', summary: 'Poll the flow\'s trigger once for sample events: no executions, the saved cursor stays', tag: 'flows', role: 'editor', params: id,
    audit: { exempt: 'polls the service for samples; nothing stored' },
    async handler({ params, workspaceId }) {
      const flow = await flowOf(workspaceId, params.id);
      try {
        const { events, lookedBack } = await pollSample(s, flow);
        return { events, fields: events.length > 0 ? fieldsOf(events[0]) : [], lookedBack };
      } catch (error) {
        if (error instanceof NotPollableError) throw new ApiError(409, error.message);
        if (error instanceof PermanentError) throw new ApiError(400, error.message);
        throw new ApiError(502, `The service did not answer the poll: ${(error as Error).message}`);
      }
    },
  });
  api.add({
    method: 'POST', url: '/flows', summary: 'Create a flow (or update the one with the same name): flow JSON', tag: 'flows', role: 'editor', body: z.unknown(), status: 201,
    audit: { action: (c) => (c.before ? 'flow.update' : 'flow.create'), target: 'flow', before: A.flowNamed, details: (c) => ({ version: c.result.version, enabled: c.result.enabled }) },
    async handler({ body, workspaceId }) {
      return s.flows.view(await s.flows.save(workspaceId, body));
    },
  });
  api.add({
    method: 'POST', url: '/flows/import', summary: 'Import a flow from JSON or YAML text (creates or updates by name)', tag: 'flows', role: 'editor',
    audit: { action: (c) => (c.before ? 'flow.update' : 'flow.create'), target: 'flow', before: A.flowNamed, details: (c) => ({ version: c.result.version, enabled: c.result.enabled, imported: true }) },
    // YAML parsing costs ~tens of µs a character on hostile text and blocks the event loop
    // meanwhile: YAML stays small; a large flow comes as JSON (what export gives).
    body: z.object({
      text: z.string().min(1).max(2_000_000)
        .refine((t) => t.trimStart().startsWith('{') || t.length <= YAML_MAX_CHARS, `YAML up to ${YAML_MAX_CHARS / 1024} K characters; import a larger flow as JSON`),
    }),
    status: 201,
    async handler({ body, workspaceId }) {
      return s.flows.view(await s.flows.save(workspaceId, Flows.parseText(body.text)));
    },
  });
  api.add({
    method: 'GET', url: '/flows/:id', summary: 'One flow, with its webhook URL; a polling flow with its monthly estimate and poll state', tag: 'flows', role: 'viewer', params: id,
    async handler({ params, workspaceId }) {
      const flow = await flowOf(workspaceId, params.id);
      return { ...s.flows.view(flow), pollState: await s.flows.pollState(flow) };
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
    audit: { action: 'flow.update', target: 'flow', before: A.flow, details: (c) => ({ version: c.result.version, enabled: c.result.enabled, ...(c.before && c.before.name !== c.result.name ? { renamedFrom: c.before.name } : {}) }) },
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
      audit: { action: `flow.${action}`, target: 'flow' },
      async handler({ params, workspaceId }) {
        const flow = await s.flows.setEnabled(workspaceId, params.id, enabled);
        if (!flow) throw notFound('Flow');
        return s.flows.view(flow);
      },
    });
  }
  api.add({
    method: 'DELETE', url: '/flows/:id', summary: 'Delete a flow (its history stays until pruned)', tag: 'flows', role: 'editor', params: id,
    audit: { action: 'flow.delete', target: 'flow', before: A.flow },
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
