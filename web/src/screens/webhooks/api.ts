// Data for the webhook history: one page of the list, one webhook with what it started, replay,
// and the retention numbers from /usage.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import { EXECUTIONS_KEY, UNFINISHED, type Execution } from '../executions/api.ts';

export const WEBHOOK_STATUSES = ['accepted', 'no_enabled_flow', 'invalid'] as const;

export interface Webhook {
  id: string;
  flowId: string;
  /** Newer servers name the flow; older ones leave it out. */
  flowName?: string;
  method: string;
  status: string;
  error: string | null;
  contentType: string | null;
  size: number;
  ip: string | null;
  receivedAt: string;
}

export interface WebhookDetail extends Webhook {
  headers: Record<string, string>;
  query: Record<string, unknown>;
  /** json | form | text | empty | invalid; text and invalid bodies are `{text}`. */
  bodyKind: string;
  body: unknown;
  executions: Execution[];
}

export interface WebhookFilter {
  flowId?: string;
  status?: string;
  from?: string;
  to?: string;
  before?: string;
}

export const WEBHOOKS_KEY = ['webhooks'] as const;

export function useWebhookPage(filter: WebhookFilter, limit = 50) {
  return useQuery({
    queryKey: [...WEBHOOKS_KEY, 'page', filter, limit],
    queryFn: ({ signal }) => api<{ items: Webhook[]; next: string | null }>('/webhooks', { query: { ...filter, limit }, signal }),
    placeholderData: keepPreviousData,
  });
}

export function useWebhook(id: string) {
  return useQuery({
    queryKey: [...WEBHOOKS_KEY, 'one', id],
    queryFn: ({ signal }) => api<WebhookDetail>(`/webhooks/${encodeURIComponent(id)}`, { signal }),
    refetchInterval: (query) => (query.state.data?.executions.some((e) => UNFINISHED.has(e.status)) ? 3000 : false),
  });
}

export function useReplayWebhook() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<Execution>(`/webhooks/${encodeURIComponent(id)}/replay`, { method: 'POST' }),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: WEBHOOKS_KEY });
      void client.invalidateQueries({ queryKey: EXECUTIONS_KEY });
    },
  });
}

interface UsageHistory {
  plan?: { historyDays?: number };
  history?: { keptDays: number; oldestWebhookAt: string | null };
}

/** How long the plan keeps history and the oldest webhook still kept. */
export function useRetention() {
  return useQuery({
    queryKey: ['usage'],
    queryFn: ({ signal }) => api<UsageHistory>('/usage', { signal }),
    staleTime: 60_000,
    select: (u) => ({ keptDays: u.history?.keptDays ?? u.plan?.historyDays ?? null, oldestWebhookAt: u.history?.oldestWebhookAt ?? null }),
  });
}
