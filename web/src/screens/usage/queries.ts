// Server state of the usage screen and the quota banners. No chart code here: the banners import
// this file and they are part of the first page.
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { Balance, PlanCatalog, QuotaNotification, Suggestion, Usage } from './types.ts';

export const USAGE_KEY = ['usage'] as const;
export const PLANS_KEY = ['plans'] as const;
export const BALANCE_KEY = ['balance'] as const;
export const NOTIFICATIONS_KEY = ['notifications'] as const;

export function useUsage(opts: { enabled?: boolean; refetchInterval?: number } = {}) {
  return useQuery({ queryKey: USAGE_KEY, queryFn: () => api<Usage>('/usage'), ...opts });
}

export function usePlans() {
  return useQuery({ queryKey: PLANS_KEY, queryFn: () => api<PlanCatalog>('/plans'), staleTime: 10 * 60_000 });
}

export function useBalance() {
  return useQuery({ queryKey: BALANCE_KEY, queryFn: () => api<Balance>('/balance', { query: { limit: 100 } }) });
}

export function useSuggestion(orders: number | null, webhooks: number | undefined) {
  return useQuery({
    queryKey: ['plans', 'suggest', orders, webhooks],
    queryFn: () => api<Suggestion>('/plans/suggest', { query: { orders: orders ?? 0, webhooks } }),
    placeholderData: (previous) => previous,
    enabled: orders !== null,
    staleTime: 10 * 60_000,
  });
}

export function useNotifications() {
  return useQuery({
    queryKey: NOTIFICATIONS_KEY,
    queryFn: () => api<{ items: QuotaNotification[] }>('/notifications'),
    refetchInterval: 60_000,
    retry: false,
  });
}

/** Flow names by id, for the per-flow table (the first 100 flows; others show their id). */
export function useFlowNames() {
  return useQuery({
    queryKey: ['flows', 'names'],
    queryFn: async () => {
      const res = await api<{ items: Array<{ id: string; name: string }> }>('/flows', { query: { limit: 100 } });
      return new Map(res.items.map((f) => [f.id, f.name]));
    },
  });
}
