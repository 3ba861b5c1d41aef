// The editor's server calls and their TanStack Query keys. Endpoints the contract marks "New"
// may be missing on an older server: callers show their ApiError in place.
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { Catalog, Connection, FlowDefinition, FlowTemplate, FlowView, SampleField, TestRunResult } from './flowTypes.ts';

export const flowKey = (id: string) => ['flow', id] as const;

export function useCatalog() {
  return useQuery({
    queryKey: ['catalog'],
    queryFn: async () => (await api<{ items: Catalog[] }>('/catalog')).items,
    staleTime: 10 * 60_000,
  });
}

export function useConnections() {
  return useQuery({
    queryKey: ['connections'],
    queryFn: async () => (await api<{ items: Connection[] }>('/connections')).items,
  });
}

export function useFlow(id: string | undefined) {
  return useQuery({
    queryKey: flowKey(id ?? ''),
    queryFn: () => api<FlowView>(`/flows/${id}`),
    enabled: Boolean(id),
    staleTime: Infinity,
  });
}

export function useTemplates(enabled: boolean) {
  return useQuery({
    queryKey: ['templates'],
    queryFn: async () => (await api<{ items: FlowTemplate[] }>('/templates')).items,
    enabled,
    staleTime: 10 * 60_000,
  });
}

/** The picker's trigger fields from the flow's latest webhook (or pasted sample). */
export function useFlowFields(id: string | undefined) {
  return useQuery({
    queryKey: ['flow-fields', id ?? ''],
    queryFn: () =>
      api<{ catalog: Array<{ id: string; label: string }>; sample: Array<{ id: string; sample: unknown }>; sampleWebhookId: string | null }>(
        `/flows/${id}/fields`,
      ),
    enabled: Boolean(id),
  });
}

export function createFlow(definition: FlowDefinition) {
  return api<FlowView>('/flows', { method: 'POST', body: definition });
}

export function updateFlow(id: string, definition: FlowDefinition) {
  return api<FlowView>(`/flows/${id}`, { method: 'PUT', body: definition });
}

export function setFlowEnabled(id: string, enabled: boolean) {
  return api<FlowView>(`/flows/${id}/${enabled ? 'enable' : 'disable'}`, { method: 'POST' });
}

export function listFlowNames(q: string) {
  return api<{ items: Array<{ id: string; name: string }> }>('/flows', { query: { q, limit: 50 } });
}

export function exportFlow(id: string) {
  return api<FlowDefinition>(`/flows/${id}/export`);
}

export interface SampleWaitAnswer {
  webhook: { id: string; receivedAt: string; body: unknown } | null;
  /** As the steps will see them: after the trigger's prepare (e.g. the whole re-fetched order). */
  fields?: SampleField[];
  /** Why prepare failed; `fields` are then the webhook's own. */
  prepareError?: string;
}

export function waitForSample(id: string, after: string | null, signal: AbortSignal) {
  return api<SampleWaitAnswer>(`/flows/${id}/sample/wait`, { query: { after: after ?? '', timeoutSec: 25 }, signal });
}

export function pollSample(id: string) {
  return api<{ events: unknown[]; fields: SampleField[] }>(`/flows/${id}/sample/poll`, { method: 'POST' });
}

export function testRun(definition: FlowDefinition, sample: unknown, sandbox: boolean) {
  return api<TestRunResult>('/flows/test-run', { method: 'POST', body: { definition, sample: sample ?? undefined, sandbox } });
}
