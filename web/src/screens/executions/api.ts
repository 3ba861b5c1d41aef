// Data for the execution screens: one page of the list (filtered on the server), one execution
// with its step journal, retry and cancel. Both poll while something is still running.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client.ts';

export const EXECUTION_STATUSES = ['queued', 'running', 'waiting', 'retrying', 'succeeded', 'failed', 'filtered', 'stopped', 'cancelled', 'quota_exceeded', 'waiting_for_service'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** Not finished yet: the screens poll while any of these is shown. */
export const UNFINISHED: ReadonlySet<string> = new Set(['queued', 'running', 'waiting', 'retrying', 'quota_exceeded', 'waiting_for_service']);
/** What "Отменить" is offered for. */
export const CANCELLABLE: ReadonlySet<string> = new Set(['queued', 'waiting', 'retrying', 'quota_exceeded', 'waiting_for_service']);

export interface Execution {
  id: string;
  flowId: string;
  /** Newer servers name the flow; older ones leave it out (see useFlowNames). */
  flowName?: string;
  flowVersion: number;
  webhookId: string | null;
  origin: string;
  status: string;
  error: string | null;
  errorStep: string | null;
  retries: number;
  nextRunAt: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface Step {
  stepId: string;
  index: number;
  type: string;
  status: string;
  input: unknown;
  output: unknown;
  error: string | null;
  attempts: number;
  transactions: number;
  resumeAt: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface ExecutionDetail extends Execution {
  trigger: unknown;
  steps: Step[];
  /** Sum over the steps; computed here when the server does not send it. */
  transactions?: number;
}

export interface ExecutionFilter {
  flowId?: string;
  status?: string;
  from?: string;
  to?: string;
  before?: string;
}

export const EXECUTIONS_KEY = ['executions'] as const;
const POLL_MS = 3000;

export function useExecutionPage(filter: ExecutionFilter, limit = 50) {
  return useQuery({
    queryKey: [...EXECUTIONS_KEY, 'page', filter, limit],
    queryFn: ({ signal }) => api<{ items: Execution[]; next: string | null }>('/executions', { query: { ...filter, limit }, signal }),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.items.some((e) => UNFINISHED.has(e.status)) ? POLL_MS : false),
  });
}

export function useExecution(id: string) {
  return useQuery({
    queryKey: [...EXECUTIONS_KEY, 'one', id],
    queryFn: ({ signal }) => api<ExecutionDetail>(`/executions/${encodeURIComponent(id)}`, { signal }),
    // A run that waits on a delay changes rarely; one that is running, every moment.
    refetchInterval: (query) => {
      const status = query.state.data?.status;
      if (!status || !UNFINISHED.has(status)) return false;
      return status === 'waiting' ? 10_000 : 2000;
    },
  });
}

export function transactionsOf(e: ExecutionDetail): number {
  return e.transactions ?? e.steps.reduce((sum, s) => sum + (s.transactions ?? 0), 0);
}

export type RetryMode = 'as_ran' | 'current';

export function useRetryExecution() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (v: { id: string; mode: RetryMode }) => api<Execution>(`/executions/${encodeURIComponent(v.id)}/retry`, { method: 'POST', body: { mode: v.mode } }),
    onSettled: () => client.invalidateQueries({ queryKey: EXECUTIONS_KEY }),
  });
}

export function useCancelExecution() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<Execution>(`/executions/${encodeURIComponent(id)}/cancel`, { method: 'POST' }),
    onSettled: () => client.invalidateQueries({ queryKey: EXECUTIONS_KEY }),
  });
}

export function durationMs(e: { startedAt: string | null; finishedAt: string | null }): number | null {
  if (!e.startedAt || !e.finishedAt) return null;
  return Math.max(0, Date.parse(e.finishedAt) - Date.parse(e.startedAt));
}
