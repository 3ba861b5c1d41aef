// The one place a connector's context is put together for (workspace, connection, connector):
// the connection's auth, and an HTTP client that passes the outbound guard, shares the
// connection's rate, meters each request against the workspace's plan (or, said out loud, does
// not), and stops at the call's deadline. Executor, scheduler, test run, samples, connection
// tests and the CLI all open their contexts here, so none of them can forget a part.
import { PermanentError } from '../connector-kit/errors.ts';
import type { AuthValues, ConnectorDefinition, ConnectorHttp } from '../connector-kit/types.ts';
import type { PlansService } from '../plans/service.ts';
import { createConnectorHttp } from './outbound/http-client.ts';
import { limitKeyOf } from './outbound/limit-key.ts';
import type { OutboundGuard } from './outbound/guard.ts';
import type { RateLimiter } from './outbound/rate-limiter.ts';
import { circuitTargetOf, type CircuitBreaker } from './outbound/circuit-breaker.ts';

/** What a context needs of an open connection (connections.ts's OpenConnection is one). */
export interface ContextConnection {
  id: string;
  auth: AuthValues;
}

export interface ConnectorContextDeps {
  outbound: OutboundGuard;
  limiter: RateLimiter;
}

/**
 * Who pays for the requests. Metered: each request takes a transaction from the workspace's plan
 * right before it is sent (a refusal stops it unsent). Unmetered: requests to the user's own
 * service made for the user (a connection test, an editor sample, a CLI export) or to a sandbox.
 * `onRequest` is told of every request sent either way (counting, metrics).
 */
export type Metering =
  | { kind: 'metered'; plans: Pick<PlansService, 'takeTransaction'>; onRequest?: () => void }
  | { kind: 'unmetered'; why: 'connection-test' | 'sample' | 'sandbox' | 'cli'; onRequest?: () => void };

export interface ConnectorContextOptions {
  workspaceId: string;
  connector: ConnectorDefinition;
  /** Null when the step names none (a connector whose auth fields are all optional). */
  connection: ContextConnection | null;
  metering: Metering;
  /** The call's deadline: the context's signal aborts with "<label> timed out after N s". None: no deadline. */
  deadline?: { ms: number; label: string };
  /** The connector's sandbox instead of the real service: its own auth, its own rate bucket. */
  sandbox?: { auth: AuthValues };
  /**
   * The service's circuit (executions and polls): a request to a service that is down is refused
   * unsent (CircuitOpenError), and every answer or failure is counted. `owner` names the caller
   * (its probe, when it gets to send one); `probed` tells afterwards whether it did.
   */
  circuit?: { breaker: CircuitBreaker; owner: string; connectionName?: string; probed?: boolean; lastKey?: string };
}

export interface ConnectorContext {
  auth: AuthValues;
  http: ConnectorHttp;
  /** Aborts at the deadline; it also aborts the rate-limit wait and the request in flight. */
  signal: AbortSignal;
  /** Clears the deadline timer; call when the call is over (a pending timer would hold the process). */
  close(): void;
}

/**
 * The rate bucket a context's requests share: the connection's (the connector's own unit, e.g. an
 * account, when it declares `limits.keyOf`; else the connection), the workspace's connector when
 * there is no connection, or the connector's sandbox.
 */
export function limitKeyFor(workspaceId: string, connector: ConnectorDefinition, connection: ContextConnection | null, sandbox = false): string {
  if (sandbox) return `sandbox:${connector.key}`;
  return limitKeyOf(connector, connection) ?? `${workspaceId}:${connector.key}`;
}

export function openConnectorContext(deps: ConnectorContextDeps, opts: ConnectorContextOptions): ConnectorContext {
  const { connector, connection, metering } = opts;
  const controller = new AbortController();
  // A cleared timer rather than AbortSignal.timeout(), which would hold its timer until it fires.
  const timer = opts.deadline
    ? setTimeout(() => controller.abort(new Error(`${opts.deadline!.label} timed out after ${opts.deadline!.ms / 1000} s`)), opts.deadline.ms)
    : undefined;
  const http = createConnectorHttp({
    guard: deps.outbound,
    limiter: deps.limiter,
    limitKey: limitKeyFor(opts.workspaceId, connector, connection, opts.sandbox !== undefined),
    ratePerSecond: connector.limits?.requestsPerSecond,
    signal: controller.signal,
    beforeSend: metering.kind === 'metered' ? () => metering.plans.takeTransaction(opts.workspaceId) : undefined,
    onRequest: metering.onRequest || opts.circuit ? (info) => {
      metering.onRequest?.();
      // The status alone says whether the service answered; the message never carries a query string.
      if (opts.circuit) void opts.circuit.breaker.record(circuitTargetOf(circuitBase, info.url), opts.circuit.owner, info.status, info.status === null ? `${info.method} ${info.url}: no answer` : `${info.method} ${info.url}: HTTP ${info.status}`).catch(() => undefined);
    } : undefined,
  });
  const circuitBase = { workspaceId: opts.workspaceId, connector: connector.key, connection: connection ? { id: connection.id, name: opts.circuit?.connectionName } : null };
  return {
    auth: opts.sandbox ? opts.sandbox.auth : (connection?.auth ?? {}),
    http: opts.circuit && !opts.sandbox ? guardedByCircuit(http, opts.circuit, circuitBase) : http,
    signal: controller.signal,
    close: () => clearTimeout(timer),
  };
}

/**
 * Opens the connection a step or trigger names, if any. With `required`, a connector that needs
 * auth fails the call with a clear message when the step names no connection.
 */
export async function openNamedConnection<C extends ContextConnection>(
  connections: { open(workspaceId: string, name: string, connectorKey: string): Promise<C> },
  workspaceId: string,
  name: string | null | undefined,
  connector: ConnectorDefinition,
  opts: { required?: boolean } = {},
): Promise<C | null> {
  const conn = name ? await connections.open(workspaceId, name, connector.key) : null;
  if (!conn && opts.required && connector.auth.fields.some((f) => f.required)) {
    throw new PermanentError(`Step needs a "${connector.key}" connection: set "connection" to the name of one`);
  }
  return conn;
}

/** Asks the circuit before each request: refused unsent while the service is down, except the one probe. */
function guardedByCircuit(
  http: ConnectorHttp,
  circuit: NonNullable<ConnectorContextOptions['circuit']>,
  base: Parameters<typeof circuitTargetOf>[0],
): ConnectorHttp {
  return {
    async request(req) {
      const target = circuitTargetOf(base, req.url);
      circuit.lastKey = target.key;
      if ((await circuit.breaker.admit(target, circuit.owner)) === 'probe') circuit.probed = true;
      return http.request(req);
    },
  };
}
