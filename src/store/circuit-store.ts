// The circuit seam of the store: each service's circuit (per connection, or per host for requests
// without one) and the executions parked on it, so both outlive a restart and every process of a
// distributed install sees the same state. The decisions are the engine's (outbound/circuit-breaker.ts).

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitRecord {
  key: string;
  workspaceId: string;
  connectionId: string | null;
  connector: string;
  /** The connection's name, or the host. */
  label: string;
  state: CircuitState;
  /** When it last opened (epoch ms). */
  since: number;
  reason: string | null;
  probeIntervalMs: number;
  nextProbeAt: number;
  /** Who may send the one probe while half open (an execution id, `poll:<flow>`); null: the first to ask. */
  probeOwner: string | null;
  probeUntil: number | null;
  probes: number;
  /** Incremented by every write: a transition applies only to the version it was decided on. */
  version: number;
  updatedAt: number;
}

export interface CircuitWait {
  executionId: string;
  circuitKey: string;
  workspaceId: string;
  stepId: string;
  since: number;
}

export interface CircuitStore {
  get(key: string): Promise<CircuitRecord | undefined>;
  /** Circuits not closed, and closed ones that still have executions parked on them. */
  listActive(): Promise<CircuitRecord[]>;
  listForWorkspace(workspaceId: string): Promise<CircuitRecord[]>;
  /**
   * Writes `next` (with version `expected + 1`) when the stored row's version is `expected`; 0 means
   * "no row yet". False when another process changed it first.
   */
  put(next: CircuitRecord, expected: number): Promise<boolean>;
  /** Parks an execution on a circuit (again: keeps its first place in line). */
  park(wait: CircuitWait): Promise<void>;
  /**
   * Takes up to `limit` of the circuit's waiters, oldest first, and queues their executions again,
   * the i-th at `now + i * spacingMs` (a drain at the service's rate). Executions no longer waiting
   * (cancelled, failed by hand) only leave the line. Resolves to the queued ones, in order.
   */
  release(key: string, now: number, spacingMs: number, limit: number): Promise<Array<{ executionId: string; runAt: number }>>;
  waitingCounts(keys: readonly string[]): Promise<Map<string, number>>;
  /** Fails every execution waiting on the circuit with `error`; resolves to how many. */
  failWaiting(key: string, error: string, now: number): Promise<number>;
}
