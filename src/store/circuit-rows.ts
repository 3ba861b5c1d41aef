// Row ↔ record and the queries for the circuit tables, shared by the SQLite and PostgreSQL stores
// (each runs them its own way; only how a drain locks its line differs).
import type { Kysely, Selectable } from 'kysely';
import { UNFINISHED_STATUSES, type CircuitsTable, type Database } from './schema.ts';
import type { CircuitRecord, CircuitWait } from './circuit-store.ts';

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

/** The queries both stores run, built on the store's Kysely instance. */
export const circuitQueries = {
  byKey: (q: Kysely<Database>, key: string) => q.selectFrom('circuits').selectAll().where('key', '=', key),

  /** Circuits not closed, or with executions still in their line. */
  active: (q: Kysely<Database>) =>
    q
      .selectFrom('circuits')
      .selectAll()
      .where((eb) => eb.or([eb('state', '!=', 'closed'), eb.exists(eb.selectFrom('circuit_waits').select('execution_id').whereRef('circuit_waits.circuit_key', '=', 'circuits.key'))])),

  ofWorkspace: (q: Kysely<Database>, workspaceId: string) => q.selectFrom('circuits').selectAll().where('workspace_id', '=', workspaceId),

  /** A new circuit; nothing when another writer created it first. */
  insert: (q: Kysely<Database>, row: Selectable<CircuitsTable>) => q.insertInto('circuits').values(row).onConflict((oc) => oc.column('key').doNothing()),

  /** The compare-and-set of a transition: changes nothing unless the row is still at `expected`. */
  update: (q: Kysely<Database>, row: Selectable<CircuitsTable>, expected: number) =>
    q.updateTable('circuits').set(row).where('key', '=', row.key).where('version', '=', expected),

  park: (q: Kysely<Database>, wait: CircuitWait) =>
    q
      .insertInto('circuit_waits')
      .values({ execution_id: wait.executionId, circuit_key: wait.circuitKey, workspace_id: wait.workspaceId, step_id: wait.stepId, since: Math.round(wait.since) })
      .onConflict((oc) => oc.column('execution_id').doUpdateSet({ circuit_key: wait.circuitKey, step_id: wait.stepId })),

  waitingCounts: (q: Kysely<Database>, keys: readonly string[]) =>
    q.selectFrom('circuit_waits').select((eb) => ['circuit_key', eb.fn.countAll<number>().as('n')]).where('circuit_key', 'in', keys).groupBy('circuit_key'),

  /** A released waiter runs again at `runAt`. */
  requeue: (q: Kysely<Database>, executionId: string, runAt: number, now: number) =>
    q.updateTable('executions').set({ status: 'queued', next_run_at: runAt, updated_at: Math.round(now) }).where('id', '=', executionId),

  /** A waiter fails with the circuit (only if it is still waiting for the service). */
  failExecution: (q: Kysely<Database>, executionId: string, stepId: string, error: string, now: number) =>
    q
      .updateTable('executions')
      .set({ status: 'failed', error, error_step: stepId, finished_at: Math.round(now), updated_at: Math.round(now) })
      .where('id', '=', executionId)
      .where('status', '=', WAITING_FOR_SERVICE),

  /** …and so does the step it waited at. */
  failStep: (q: Kysely<Database>, executionId: string, stepId: string, error: string, now: number) =>
    q.updateTable('execution_steps').set({ status: 'failed', error, finished_at: Math.round(now), resume_at: null }).where('execution_id', '=', executionId).where('step_id', '=', stepId),
};
