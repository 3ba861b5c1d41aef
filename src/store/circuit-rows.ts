// Row ↔ record for the circuit tables, shared by the SQLite and PostgreSQL stores.
import type { Selectable } from 'kysely';
import type { CircuitsTable } from './schema.ts';
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
