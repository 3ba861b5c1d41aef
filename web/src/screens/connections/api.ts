// Data for the connections screen: the list (with the flows that use each connection), create,
// change credentials, rename, test, delete.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../api/client.ts';

export interface ConnectionItem {
  id: string;
  name: string;
  connector: string;
  /** The non-secret auth values; secrets never come back. */
  config: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  /** Flows that use the connection (newer servers). */
  usedBy?: Array<{ id: string; name: string }>;
  /** Secret fields that hold a value (newer servers); the values themselves never come back. */
  secretsSet?: string[];
  /** The service's health (newer servers): down while its circuit is open, degraded while probed or draining. */
  health?: 'ok' | 'degraded' | 'down';
  since?: string | null;
  /** Executions waiting for the service. */
  waiting?: number;
}

export interface TestResult {
  ok: boolean;
  message: string;
}

export type AuthValues = Record<string, string>;

export const CONNECTIONS_KEY = ['connections'] as const;

export function useConnections() {
  return useQuery({
    queryKey: [...CONNECTIONS_KEY, 'list'],
    queryFn: ({ signal }) => api<{ items: ConnectionItem[] }>('/connections', { signal }),
    select: (data) => data.items,
  });
}

function useInvalidate() {
  const client = useQueryClient();
  return () => {
    void client.invalidateQueries({ queryKey: CONNECTIONS_KEY });
    // A rename rewrites the flows that use the connection.
    void client.invalidateQueries({ queryKey: ['flows'] });
  };
}

export function useCreateConnection() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (body: { name: string; connector: string; auth: AuthValues }) => api<ConnectionItem>('/connections', { body }),
    onSettled: invalidate,
  });
}

export function useUpdateConnection() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (v: { id: string; name?: string; auth?: AuthValues }) =>
      api<ConnectionItem>(`/connections/${v.id}`, { method: 'PATCH', body: { ...(v.name !== undefined ? { name: v.name } : {}), ...(v.auth ? { auth: v.auth } : {}) } }),
    onSettled: invalidate,
  });
}

export function useDeleteConnection() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (id: string) => api(`/connections/${id}`, { method: 'DELETE' }),
    onSettled: invalidate,
  });
}

/** A test never throws for a failing service: the connector's explanation comes back as `{ok:false, message}`. */
export async function testConnection(id: string): Promise<TestResult> {
  try {
    return await api<TestResult>(`/connections/${id}/test`, { method: 'POST' });
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** The flows named by a 409 "used by flows" refusal. */
export function flowsOfConflict(error: unknown): Array<{ id: string; name: string }> {
  if (!(error instanceof ApiError) || error.status !== 409) return [];
  const flows = error.body.flows;
  return Array.isArray(flows) ? flows.filter((f): f is { id: string; name: string } => typeof f?.id === 'string' && typeof f?.name === 'string') : [];
}

/** The auth field a 400 from the server points at (`field: "auth.apiKey"`), if any. */
export function fieldOfError(error: unknown): string | null {
  if (!(error instanceof ApiError)) return null;
  const field = error.body.field;
  return typeof field === 'string' ? field : null;
}
