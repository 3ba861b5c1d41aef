// Flow names for the history screens: the picker's search and a lookup for list rows that come
// from a server which does not yet send `flowName`.
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';

export interface FlowRef {
  id: string;
  name: string;
}

export function useFlowSearch(q: string) {
  return useQuery({
    queryKey: ['flows', 'search', q],
    queryFn: ({ signal }) => api<{ items: FlowRef[] }>('/flows', { query: { q, limit: 50 }, signal }),
    staleTime: 30_000,
  });
}

export function useFlow(id: string | undefined) {
  return useQuery({
    queryKey: ['flows', 'one', id],
    queryFn: ({ signal }) => api<FlowRef>(`/flows/${encodeURIComponent(id!)}`, { signal }),
    enabled: !!id,
    staleTime: 60_000,
  });
}

/** `id → name` for rows without `flowName`; fetches the flow list only when such rows exist. */
export function useFlowNames(rows: ReadonlyArray<{ flowId: string; flowName?: string }> | undefined) {
  const needed = !!rows?.some((r) => !r.flowName);
  const list = useQuery({
    queryKey: ['flows', 'names-for-history'],
    queryFn: ({ signal }) => api<{ items: FlowRef[] }>('/flows', { query: { limit: 100 }, signal }),
    enabled: needed,
    staleTime: 60_000,
  });
  const byId = new Map((list.data?.items ?? []).map((f) => [f.id, f.name]));
  return (row: { flowId: string; flowName?: string }): string | undefined => row.flowName ?? byId.get(row.flowId);
}
