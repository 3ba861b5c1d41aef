// What people see of a connection's circuit and what they may do to it: its health (ok, degraded
// while probing or draining, down while open), since when, how many executions wait; "retry now"
// (close it by hand: the waiters drain at the service's rate) and "fail the waiting" (they end as
// failed and can be retried later like any failed execution). The API and the CLI both use these.
import type { CircuitRecord, CircuitStore } from '../store/circuit-store.ts';
import type { CircuitBreaker } from './outbound/circuit-breaker.ts';

export type Health = 'ok' | 'degraded' | 'down';

export interface ConnectionHealth {
  health: Health;
  /** When the service went down (ISO), while it is not ok. */
  since: string | null;
  /** Executions waiting for the service. */
  waiting: number;
  /** What failed when it opened (no secrets). */
  reason: string | null;
  /** When the next probe is due (ISO), while down. */
  nextProbeAt: string | null;
  /** Probes sent since it went down. */
  probes: number;
}

export const connectionCircuitKey = (connectionId: string): string => `conn:${connectionId}`;

export function healthOf(circuit: CircuitRecord | undefined, waiting: number): ConnectionHealth {
  if (!circuit || (circuit.state === 'closed' && waiting === 0)) return { health: 'ok', since: null, waiting, reason: null, nextProbeAt: null, probes: circuit?.probes ?? 0 };
  const health: Health = circuit.state === 'open' ? 'down' : 'degraded';
  return {
    health,
    since: new Date(circuit.since).toISOString(),
    waiting,
    reason: circuit.reason,
    nextProbeAt: circuit.state === 'open' ? new Date(circuit.nextProbeAt).toISOString() : null,
    probes: circuit.probes,
  };
}

/** Health of each of the workspace's connections (those never down are ok). */
export async function connectionsHealth(store: CircuitStore, workspaceId: string, connectionIds: readonly string[]): Promise<Map<string, ConnectionHealth>> {
  const circuits = new Map((await store.listForWorkspace(workspaceId)).map((c) => [c.key, c]));
  const waiting = await store.waitingCounts(connectionIds.map(connectionCircuitKey));
  return new Map(connectionIds.map((id) => [id, healthOf(circuits.get(connectionCircuitKey(id)), waiting.get(connectionCircuitKey(id)) ?? 0)]));
}

/** "Retry now": closes the connection's circuit; where executions run, its waiters drain at the service's rate. */
export async function retryNow(breaker: CircuitBreaker, store: CircuitStore, workspaceId: string, connectionId: string): Promise<ConnectionHealth> {
  const key = connectionCircuitKey(connectionId);
  await breaker.closeByHand(key);
  return (await connectionsHealth(store, workspaceId, [connectionId])).get(connectionId)!;
}

/** Fails every execution waiting on the connection's service; resolves to how many. */
export async function failWaiting(store: CircuitStore, connectionId: string, now = Date.now()): Promise<number> {
  return store.failWaiting(
    connectionCircuitKey(connectionId),
    'Остановлено вручную, пока сервис был недоступен / Failed by hand while the service was down',
    now,
  );
}
