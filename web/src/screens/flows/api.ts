// Data for the flow list: the page of flows with their stats, enable/disable, delete, import,
// templates. Until the server pages and counts (`total`, `stats`), the list pages on this side.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../api/client.ts';

export interface FlowStats {
  lastExecution: { id: string; status: string; at: string } | null;
  executionsToday: number;
  errorsToday: number;
  transactionsMonth: number;
}

export interface FlowListItem {
  id: string;
  name: string;
  enabled: boolean;
  version: number;
  updatedAt: string;
  definition: { name: string; trigger: { connector: string; event: string; connection?: string } };
  stats?: FlowStats;
}

export interface FlowPage {
  items: FlowListItem[];
  total: number;
}

export interface Template {
  id: string;
  name: { ru: string; en: string };
  description: { ru: string; en: string };
  connectors: string[];
}

export const FLOWS_KEY = ['flows'] as const;

export function useFlowPage(params: { q: string; offset: number; limit: number }) {
  return useQuery({
    queryKey: [...FLOWS_KEY, 'page', params],
    queryFn: async ({ signal }): Promise<FlowPage> => {
      const res = await api<{ items: FlowListItem[]; total?: number }>('/flows', { query: params, signal });
      if (typeof res.total === 'number') return { items: res.items, total: res.total };
      // An older server answers every flow at once: filter and page here.
      const needle = params.q.trim().toLowerCase();
      const matching = needle ? res.items.filter((f) => f.name.toLowerCase().includes(needle)) : res.items;
      return { items: matching.slice(params.offset, params.offset + params.limit), total: matching.length };
    },
    placeholderData: keepPreviousData,
  });
}

export function useSetFlowEnabled() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (v: { id: string; enabled: boolean }) => api(`/flows/${v.id}/${v.enabled ? 'enable' : 'disable'}`, { method: 'POST' }),
    onSettled: () => client.invalidateQueries({ queryKey: FLOWS_KEY }),
  });
}

export function useDeleteFlow() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api(`/flows/${id}`, { method: 'DELETE' }),
    onSettled: () => client.invalidateQueries({ queryKey: FLOWS_KEY }),
  });
}

export function useImportFlow() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (text: string) => api<{ id: string; name: string }>('/flows/import', { body: { text } }),
    onSuccess: () => client.invalidateQueries({ queryKey: FLOWS_KEY }),
  });
}

export function useTemplates(enabled: boolean) {
  return useQuery({
    queryKey: ['templates', 'gallery'],
    queryFn: () => api<{ items: Template[] }>('/templates'),
    select: (data) => data.items,
    enabled,
    staleTime: 10 * 60_000,
    retry: (count, error) => !(error instanceof ApiError && error.status === 404) && count < 2,
  });
}
