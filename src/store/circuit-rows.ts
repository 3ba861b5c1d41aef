// Row ↔ record for the circuit tables, shared by the SQLite and PostgreSQL stores.
import type { Selectable } from 'kysely';
import { UNFINISHED_STATUSES, type CircuitsTable } from './schema.ts';
import type { CircuitRecord } from './circuit-store.ts';

export function toCircuit(row: Selectable<CircuitsTable>): CircuitRecord {
  return {
    key: row.key,
    workspaceId: row.workspace_id,
    connectionId: row.connection_id,
    connector: row.connector,
    label: row.label,
    state: row.state,
    since: Number(row.since),
    reason: row.reason,
    probeIntervalMs: Number(row.probe_interval_ms),
    nextProbeAt: Number(row.next_probe_at),
    probeOwner: row.probe_owner,
    probeUntil: row.probe_until === null ? null : Number(row.probe_until),
    probes: Number(row.probes),
    version: Number(row.version),
    updatedAt: Number(row.updated_at),
  };
}

export function circuitRow(c: CircuitRecord, version: number): Selectable<CircuitsTable> {
  return {
    key: c.key,
    workspace_id: c.workspaceId,
    connection_id: c.connectionId,
    connector: c.connector,
    label: c.label,
    state: c.state,
    since: Math.round(c.since),
    reason: c.reason,
    probe_interval_ms: Math.round(c.probeIntervalMs),
    next_probe_at: Math.round(c.nextProbeAt),
    probe_owner: c.probeOwner,
    probe_until: c.probeUntil === null ? null : Math.round(c.probeUntil),
    probes: c.probes,
    version,
    updated_at: Math.round(c.updatedAt),
  };
}

export const WAITING_FOR_SERVICE = 'waiting_for_service';

/**
 * What a drain does with one waiter in a circuit's line, by its execution's status: releases it
 * (waiting for the service), leaves it in line (still unfinished but not yet waiting: it is parking
 * right now and its status comes next — `queued` when the flow's first step met the outage, since
 * nothing wrote `running` before it), or drops it (finished, or gone).
 */
export function drainWaiter(status: string | null | undefined): 'release' | 'keep' | 'drop' {
  if (status === WAITING_FOR_SERVICE) return 'release';
  return status && (UNFINISHED_STATUSES as readonly string[]).includes(status) ? 'keep' : 'drop';
}
