// Connections: validation of auth values against the connector's fields, sealing at rest, and
// opening them for a run. Plain auth values never leave this module except into a connector.
import type { Logger } from 'pino';
import type { ConnectorRegistry } from '../connector-kit/registry.ts';
import type { AuthValues, ConnectorDefinition, FieldDef } from '../connector-kit/types.ts';
import { PermanentError } from '../connector-kit/errors.ts';
import type { SecretBox } from '../lib/secret-box.ts';
import { newId } from '../lib/ids.ts';
import type { Connection, FlowRecord, Store } from '../store/types.ts';
import { allSteps, mapSteps, type FlowDefinition } from './flow-schema.ts';
import type { RateLimiter } from './outbound/rate-limiter.ts';
import { openConnectorContext } from './connector-context.ts';
import type { OutboundGuard } from './outbound/guard.ts';

export interface OpenConnection {
  id: string;
  name: string;
  connector: ConnectorDefinition;
  auth: AuthValues;
}

export class ConnectionError extends Error {
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super(message);
    this.name = 'ConnectionError';
    this.field = field;
  }
}

// Changes by any process reach the cache through the change feed (engine/change-feed.ts) within
// about a second; the age limit only bounds staleness should the feed ever stall.
const CACHE_MS = 60_000;

export class Connections {
  private readonly cache = new Map<string, { at: number; conn: OpenConnection }>();
  private readonly deps: { store: Store; connectors: ConnectorRegistry; secrets: SecretBox; outbound: OutboundGuard };

  constructor(deps: { store: Store; connectors: ConnectorRegistry; secrets: SecretBox; outbound: OutboundGuard }) {
    this.deps = deps;
  }

  /** Creates or replaces the workspace's connection of that name. Unknown fields are refused. */
  async save(workspaceId: string, input: { name: string; connector: string; auth: Record<string, unknown> }): Promise<Connection> {
    const publicConfig = this.checkAuth(input.connector, input.auth);
    const existing = await this.deps.store.getConnectionByName(workspaceId, input.name);
    if (existing && existing.connector !== input.connector) {
      throw new ConnectionError(`connection "${input.name}" already exists for connector "${existing.connector}"`, 'name');
    }
    const id = existing?.id ?? newId('con');
    const saved = await this.deps.store.saveConnection({
      id,
      workspaceId,
      name: input.name,
      connector: input.connector,
      publicConfig,
      sealedAuth: this.deps.secrets.seal(input.auth, id),
    });
    this.cache.delete(`${workspaceId}\0${input.name}`);
    return saved;
  }

  /**
   * Renames a connection and/or changes its credentials. In `auth`, a secret field left out or
   * empty keeps its stored value (secrets are never shown, so a form cannot send them back);
   * other fields left out keep theirs too. Flows naming the connection are not touched here.
   */
  async update(row: Connection, change: { name?: string; auth?: Record<string, unknown> }): Promise<Connection> {
    const name = change.name ?? row.name;
    if (name !== row.name && (await this.deps.store.getConnectionByName(row.workspaceId, name))) {
      throw new ConnectionError(`a connection named "${name}" already exists`, 'name');
    }
    let { publicConfig, sealedAuth } = row;
    if (change.auth) {
      const connector = this.deps.connectors.get(row.connector);
      const secretIds = new Set(connector?.auth.fields.filter((f) => f.secret).map((f) => f.id));
      const auth = { ...(this.deps.secrets.open(row.sealedAuth, row.id) as Record<string, unknown>) };
      const previous = { ...auth };
      for (const [key, value] of Object.entries(change.auth)) {
        if (secretIds.has(key) && (value === undefined || value === null || value === '')) continue;
        auth[key] = value;
      }
      publicConfig = this.checkAuth(row.connector, auth);
      keptSecretsStayHome(connector?.auth.fields ?? [], previous, change.auth);
      sealedAuth = this.deps.secrets.seal(auth, row.id);
    }
    const saved = await this.deps.store.saveConnection({ id: row.id, workspaceId: row.workspaceId, name, connector: row.connector, publicConfig, sealedAuth });
    this.cache.delete(`${row.workspaceId}\0${row.name}`);
    this.cache.delete(`${row.workspaceId}\0${name}`);
    return saved;
  }

  /** Forgets the workspace's opened connections (one of them changed, maybe in another process). */
  invalidateWorkspace(workspaceId: string): void {
    const prefix = `${workspaceId}\0`;
    for (const key of this.cache.keys()) if (key.startsWith(prefix)) this.cache.delete(key);
  }

  clear(): void {
    this.cache.clear();
  }

  /** Refuses unknown and missing required auth fields; returns the values that may be shown. */
  private checkAuth(connectorKey: string, auth: Record<string, unknown>): Record<string, unknown> {
    const connector = this.deps.connectors.get(connectorKey);
    if (!connector) throw new ConnectionError(`unknown connector "${connectorKey}"`, 'connector');
    const known = new Map(connector.auth.fields.map((f) => [f.id, f]));
    for (const key of Object.keys(auth)) {
      if (!known.has(key)) throw new ConnectionError(`connector "${connector.key}" has no auth field "${key}" (fields: ${[...known.keys()].join(', ') || 'none'})`, `auth.${key}`);
    }
    const publicConfig: Record<string, unknown> = {};
    for (const field of connector.auth.fields) {
      const value = auth[field.id];
      if (field.required && (value === undefined || value === null || value === '')) {
        throw new ConnectionError(`field "${field.id}" (${field.label}) is required`, `auth.${field.id}`);
      }
      if (!field.secret && value !== undefined) publicConfig[field.id] = value;
    }
    return publicConfig;
  }

  /** The connection a step names, opened; a PermanentError when it does not exist. */
  async open(workspaceId: string, name: string, connectorKey: string): Promise<OpenConnection> {
    const key = `${workspaceId}\0${name}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < CACHE_MS && hit.conn.connector.key === connectorKey) return hit.conn;
    const row = await this.deps.store.getConnectionByName(workspaceId, name);
    if (!row) throw new PermanentError(`Connection "${name}" does not exist in this workspace`);
    if (row.connector !== connectorKey) throw new PermanentError(`Connection "${name}" is for "${row.connector}", not "${connectorKey}"`);
    const conn = this.openRow(row);
    this.cache.set(key, { at: Date.now(), conn });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return conn;
  }

  openRow(row: Connection): OpenConnection {
    const connector = this.deps.connectors.get(row.connector);
    if (!connector) throw new PermanentError(`Connector "${row.connector}" is not available in this build`);
    return { id: row.id, name: row.name, connector, auth: this.deps.secrets.open(row.sealedAuth, row.id) as AuthValues };
  }

  /** Ids of the secret auth fields that hold a value (the values never leave). */
  secretsSet(row: Connection): string[] {
    const connector = this.deps.connectors.get(row.connector);
    if (!connector) return [];
    const auth = this.deps.secrets.open(row.sealedAuth, row.id) as Record<string, unknown>;
    return connector.auth.fields.filter((f) => f.secret && auth[f.id] !== undefined && auth[f.id] !== null && auth[f.id] !== '').map((f) => f.id);
  }

  /** Runs the connector's own test; resolves to a readable message either way. */
  async test(row: Connection, limiter: RateLimiter, logger: Logger): Promise<{ ok: boolean; message: string }> {
    const conn = this.openRow(row);
    if (!conn.connector.auth.test) return { ok: true, message: 'Проверка не требуется: у этого сервиса нет проверки подключения' };
    try {
      // The user's own service, asked on the user's request: not metered.
      const context = openConnectorContext(
        { outbound: this.deps.outbound, limiter },
        { workspaceId: row.workspaceId, connector: conn.connector, connection: conn, metering: { kind: 'unmetered', why: 'connection-test' }, deadline: { ms: 30_000, label: 'Connection test' } },
      );
      try {
        await conn.connector.auth.test({ auth: context.auth, http: context.http, logger, signal: context.signal });
      } finally {
        context.close();
      }
      return { ok: true, message: 'Подключение работает' };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }
}

/**
 * A stored secret goes only where it was entered for: when a destination field (a URL or host the
 * secrets are sent to) changes, every stored secret must come in the same change.
 */
function keptSecretsStayHome(fields: readonly FieldDef[], previous: Record<string, unknown>, change: Record<string, unknown>): void {
  const given = (v: unknown) => v !== undefined && v !== null && v !== '';
  // A URL's path may change (the secret still goes to the same origin); its scheme, host or port may not.
  const place = (v: unknown) => {
    const text = String(v ?? '').trim().toLowerCase();
    try {
      return new URL(text).origin;
    } catch {
      return text;
    }
  };
  const moved = fields.find((f) => f.destination && f.id in change && place(change[f.id]) !== place(previous[f.id]));
  if (!moved) return;
  const kept = fields.filter((f) => f.secret && given(previous[f.id]) && !given(change[f.id]));
  if (kept.length === 0) return;
  throw new ConnectionError(
    `changing "${moved.id}" (${moved.label}) sends the secrets to another address: enter ${kept.map((f) => `"${f.id}"`).join(', ')} again in the same change (Смена адреса требует заново ввести секреты)`,
    `auth.${kept[0].id}`,
  );
}

/** Flows whose trigger or any step names the connection. */
export function flowsUsing(flows: readonly FlowRecord[], connectionName: string): Array<{ id: string; name: string }> {
  return flows.filter((f) => namesConnection(f.definition as FlowDefinition, connectionName)).map((f) => ({ id: f.id, name: f.name }));
}

function namesConnection(def: FlowDefinition, name: string): boolean {
  return def.trigger?.connection === name || allSteps(def.steps ?? []).some((step) => 'connection' in step && step.connection === name);
}

/** The flow with every reference to connection `from` pointing at `to` instead. */
export function withConnectionRenamed(def: FlowDefinition, from: string, to: string): FlowDefinition {
  return {
    ...def,
    trigger: def.trigger.connection === from ? { ...def.trigger, connection: to } : def.trigger,
    steps: mapSteps(def.steps, (step) => ('connection' in step && step.connection === from ? { ...step, connection: to } : step)),
  };
}
