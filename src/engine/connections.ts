// Connections: validation of auth values against the connector's fields, sealing at rest, and
// opening them for a run. Plain auth values never leave this module except into a connector.
import type { Logger } from 'pino';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import type { AuthValues, ConnectorDefinition } from '../connectors/types.ts';
import { PermanentError } from '../connectors/errors.ts';
import type { SecretBox } from '../lib/secret-box.ts';
import { newId } from '../lib/ids.ts';
import type { Connection, Store } from '../store/types.ts';
import type { RateLimiter } from './outbound/rate-limiter.ts';
import { createConnectorHttp } from './outbound/http-client.ts';

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

const CACHE_MS = 2000;

export class Connections {
  private readonly cache = new Map<string, { at: number; conn: OpenConnection }>();
  private readonly deps: { store: Store; connectors: ConnectorRegistry; secrets: SecretBox };

  constructor(deps: { store: Store; connectors: ConnectorRegistry; secrets: SecretBox }) {
    this.deps = deps;
  }

  /** Creates or replaces the workspace's connection of that name. Unknown fields are refused. */
  async save(workspaceId: string, input: { name: string; connector: string; auth: Record<string, unknown> }): Promise<Connection> {
    const connector = this.deps.connectors.get(input.connector);
    if (!connector) throw new ConnectionError(`unknown connector "${input.connector}"`, 'connector');
    const known = new Map(connector.auth.fields.map((f) => [f.id, f]));
    for (const key of Object.keys(input.auth)) {
      if (!known.has(key)) throw new ConnectionError(`connector "${connector.key}" has no auth field "${key}" (fields: ${[...known.keys()].join(', ') || 'none'})`, `auth.${key}`);
    }
    const publicConfig: Record<string, unknown> = {};
    for (const field of connector.auth.fields) {
      const value = input.auth[field.id];
      if (field.required && (value === undefined || value === null || value === '')) {
        throw new ConnectionError(`field "${field.id}" (${field.label}) is required`, `auth.${field.id}`);
      }
      if (!field.secret && value !== undefined) publicConfig[field.id] = value;
    }
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

  /** Runs the connector's own test; resolves to a readable message either way. */
  async test(row: Connection, limiter: RateLimiter, logger: Logger): Promise<{ ok: boolean; message: string }> {
    const conn = this.openRow(row);
    if (!conn.connector.auth.test) return { ok: true, message: 'Проверка не требуется: у этого сервиса нет проверки подключения' };
    try {
      await conn.connector.auth.test({
        auth: conn.auth,
        http: createConnectorHttp({ limiter, limitKey: conn.id, ratePerSecond: conn.connector.limits?.requestsPerSecond }),
        logger,
        signal: AbortSignal.timeout(30_000),
      });
      return { ok: true, message: 'Подключение работает' };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }
}
