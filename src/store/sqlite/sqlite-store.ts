// The embedded store: SQLite through node:sqlite, queries built with Kysely.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { sql, type Selectable } from 'kysely';
import type { ExecutionStepsTable, Role, WorkspacesTable } from '../schema.ts';
import { UNFINISHED_SQL_LIST } from '../schema.ts';
import type {
  ApiToken,
  ApiTokenInfo,
  ExecutionStatus,
  Connection,
  ExecutionFilter,
  ExecutionRecord,
  ExecutionUpdate,
  FlowRecord,
  FlowStats,
  HookTarget,
  NewExecution,
  NewWebhook,
  Page,
  StepRecord,
  Store,
  TransactionUsage,
  User,
  WebhookFilter,
  WebhookRecord,
  Workspace,
  WorkspaceSettings,
} from '../types.ts';
import { newId } from '../../lib/ids.ts';
import { parseJson } from '../../lib/json.ts';
import { acceptedExecution, EXECUTION_WITH_TRIGGER, page, toConnection, toExecution, toFlow, toStep, toWebhook, toWorkspace, type ExecutionRow } from '../rows.ts';
import type { StorageState } from '../storage-errors.ts';
import { encodeRawAsync, TRIGGER_FROM_WEBHOOK, AcceptedHandOff, type RawCoding } from '../stored-body.ts';
import { SqliteDatabase, type SqliteOptions } from './database.ts';
import { COUNT_TRANSACTIONS_DAY, COUNT_TRANSACTIONS_FLOW, COUNT_WEBHOOKS, SqlitePlanStore } from './plan-store.ts';
import { SqliteAccessStore } from './access-store.ts';
import { SqliteAuditStore } from './audit-store.ts';
import { SqliteChangeStore } from './change-store.ts';
import { SqliteVariableStore } from './variable-store.ts';
import { SqliteCircuitStore } from './circuit-store.ts';
import { SqliteAlertStore } from './alert-store.ts';
import { SqliteCollectionStore } from './collection-store.ts';
import { journalJson, stepValues } from '../collections.ts';
import { packTextAsync } from '../store-thread.ts';

/** The columns an ExecutionUpdate may set, in the order of their bits in updateSql's shape. */
const UPDATE_COLUMNS: ReadonlyArray<readonly [keyof ExecutionUpdate, string]> = [
  ['status', 'status'],
  ['trigger', 'trigger'],
  ['error', 'error'],
  ['errorStep', 'error_step'],
  ['nextRunAt', 'next_run_at'],
  ['startedAt', 'started_at'],
  ['finishedAt', 'finished_at'],
  ['retries', 'retries'],
];
const UPDATE_SQL: Record<number, string> = {};

/** Bit 0: the update cancels (it may overwrite anything); bit i+1: UPDATE_COLUMNS[i] is set. */
function updateSql(shape: number): string {
  const columns = ['updated_at', ...UPDATE_COLUMNS.filter((_, i) => shape & (2 << i)).map(([, column]) => column)];
  // Cancelling is final: a run still in flight cannot overwrite it.
  const guard = shape & 1 ? '' : " AND status <> 'cancelled'";
  return `UPDATE executions SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?${guard}`;
}

const INSERT_WEBHOOK = `INSERT INTO webhooks (id, workspace_id, flow_id, method, headers, query, body, body_kind,
  content_type, size, ip, status, error, received_at, raw) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`;
// A known (flow_id, dedupe_key) creates nothing: the event already has its execution.
const INSERT_EXECUTION = `INSERT INTO executions (id, workspace_id, flow_id, flow_version, webhook_id, origin, status,
  trigger, error, error_step, retries, next_run_at, created_at, started_at, finished_at, updated_at, dedupe_key)
  VALUES (?,?,?,?,?,?,'queued',?,NULL,NULL,0,?,?,NULL,NULL,?,?)
  ON CONFLICT (flow_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING`;
const UPSERT_STEP = `INSERT INTO execution_steps (execution_id, step_id, idx, type, status, input, output, error, attempts,
  transactions, resume_at, started_at, finished_at, sealed_output) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
  ON CONFLICT (execution_id, step_id) DO UPDATE SET status = excluded.status, input = excluded.input,
  output = excluded.output, error = excluded.error, attempts = excluded.attempts, transactions = excluded.transactions,
  resume_at = excluded.resume_at, started_at = excluded.started_at, finished_at = excluded.finished_at,
  sealed_output = excluded.sealed_output`;

const CLAIM_ONE = `UPDATE executions SET claimed_by = ?, claimed_until = ? WHERE id = ? AND status IN (${UNFINISHED_SQL_LIST})
  AND (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?)`;
const RELEASE_ONE = 'UPDATE executions SET claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?';
/** Creates the trigger's row when it has none yet (no cursor, never run). */
const CLAIM_POLL = `INSERT INTO trigger_state (flow_id, cursor, last_run_at, last_error, updated_at, claimed_by, claimed_until)
  VALUES (?, NULL, NULL, NULL, ?, ?, ?) ON CONFLICT (flow_id) DO UPDATE SET claimed_by = excluded.claimed_by,
  claimed_until = excluded.claimed_until WHERE trigger_state.claimed_until IS NULL OR trigger_state.claimed_until <= ?
  OR trigger_state.claimed_by = excluded.claimed_by`;

const SELECT_EXECUTION = `SELECT ${EXECUTION_WITH_TRIGGER} WHERE e.id = ?`;
const SELECT_EXECUTION_IN = `SELECT ${EXECUTION_WITH_TRIGGER} WHERE e.workspace_id = ? AND e.id = ?`;
const SELECT_STATUS = 'SELECT status FROM executions WHERE id = ?';
const SELECT_STEPS = 'SELECT * FROM execution_steps WHERE execution_id = ? ORDER BY idx';
/** The hot path's writes only run SQL: they may share a savepoint (SqliteDatabase.write). */
const RERUNNABLE = { rerunnable: true } as const;

export class SqliteStore implements Store {
  readonly db: SqliteDatabase;
  readonly plans: SqlitePlanStore;
  readonly access: SqliteAccessStore;
  readonly audit: SqliteAuditStore;
  readonly changes: SqliteChangeStore;
  readonly variables: SqliteVariableStore;
  readonly circuits: SqliteCircuitStore;
  readonly alerts: SqliteAlertStore;
  readonly collections: SqliteCollectionStore;
  private readonly coding: RawCoding;
  private readonly handOff = new AcceptedHandOff<ExecutionRecord>();

  get storage(): StorageState {
    return this.db.storage;
  }

  constructor(path: string, opts: SqliteOptions & Partial<RawCoding> = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new SqliteDatabase(path, opts);
    this.plans = new SqlitePlanStore(this.db);
    this.access = new SqliteAccessStore(this.db);
    this.audit = new SqliteAuditStore(this.db);
    this.changes = new SqliteChangeStore(this.db);
    this.variables = new SqliteVariableStore(this.db);
    this.circuits = new SqliteCircuitStore(this.db);
    this.alerts = new SqliteAlertStore(this.db);
    this.collections = new SqliteCollectionStore(this.db);
    this.coding = { compress: opts.compress ?? true };
  }

  private get q() {
    return this.db.kysely;
  }

  async migrate(): Promise<void> {
    await this.db.migrate();
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  // ---- workspaces, users, access ----

  async ensureWorkspace(slug: string, name: string): Promise<Workspace> {
    return (await this.getWorkspaceBySlug(slug)) ?? this.createWorkspace(slug, name);
  }

  async createWorkspace(slug: string, name: string): Promise<Workspace> {
    const ws = { id: newId('ws'), slug, name, created_at: Date.now() };
    await this.db.write(() => this.db.run(this.q.insertInto('workspaces').values(ws)));
    return (await this.getWorkspace(ws.id))!;
  }

  async getWorkspace(id: string): Promise<Workspace | undefined> {
    const row = this.db.first(this.q.selectFrom('workspaces').selectAll().where('id', '=', id));
    return row && toWorkspace(row);
  }

  async getWorkspaceBySlug(slug: string): Promise<Workspace | undefined> {
    const row = this.db.first(this.q.selectFrom('workspaces').selectAll().where('slug', '=', slug));
    return row && toWorkspace(row);
  }

  async listWorkspaces(ids: readonly string[]): Promise<Workspace[]> {
    if (ids.length === 0) return [];
    const rows = this.db.all(this.q.selectFrom('workspaces').selectAll().where('id', 'in', ids).orderBy('slug'));
    return rows.map(toWorkspace);
  }

  async updateWorkspace(id: string, settings: WorkspaceSettings): Promise<Workspace | undefined> {
    const set: Partial<Selectable<WorkspacesTable>> = {};
    if (settings.name !== undefined) set.name = settings.name;
    if (settings.timezone !== undefined) set.timezone = settings.timezone;
    if (settings.locale !== undefined) set.locale = settings.locale;
    if (Object.keys(set).length > 0) await this.db.write(() => this.db.run(this.q.updateTable('workspaces').set(set).where('id', '=', id)));
    return this.getWorkspace(id);
  }

  async createUser(user: { email: string; name: string; passwordHash: string }): Promise<User> {
    const row = { id: newId('usr'), email: user.email.toLowerCase(), name: user.name, password_hash: user.passwordHash, created_at: Date.now() };
    await this.db.write(() => this.db.run(this.q.insertInto('users').values(row)));
    return { id: row.id, email: row.email, name: row.name, passwordHash: row.password_hash, createdAt: row.created_at };
  }

  async getUser(id: string): Promise<User | undefined> {
    const row = this.db.first(this.q.selectFrom('users').selectAll().where('id', '=', id));
    return row && { id: row.id, email: row.email, name: row.name, passwordHash: row.password_hash, createdAt: Number(row.created_at) };
  }

  async getUserByEmail(email: string): Promise<User | undefined> {
    const row = this.db.first(this.q.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()));
    return row && { id: row.id, email: row.email, name: row.name, passwordHash: row.password_hash, createdAt: Number(row.created_at) };
  }

  async setUserPassword(userId: string, passwordHash: string): Promise<void> {
    await this.db.write(() => this.db.run(this.q.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId)));
  }

  async setMember(workspaceId: string, userId: string, role: Role): Promise<void> {
    await this.db.write(() =>
      this.db.run(
        this.q
          .insertInto('members')
          .values({ workspace_id: workspaceId, user_id: userId, role, created_at: Date.now() })
          .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role })),
      ),
    );
  }

  async removeMember(workspaceId: string, userId: string): Promise<'removed' | 'not_found' | 'last_owner'> {
    return this.db.write(() => {
      const member = this.db.first(
        this.q.selectFrom('members').select('role').where('workspace_id', '=', workspaceId).where('user_id', '=', userId),
      );
      if (!member) return 'not_found' as const;
      if (member.role === 'owner') {
        const owners = this.db.first(
          this.q
            .selectFrom('members')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('workspace_id', '=', workspaceId)
            .where('role', '=', 'owner'),
        );
        if (Number(owners?.n ?? 0) <= 1) return 'last_owner' as const;
      }
      this.db.run(this.q.deleteFrom('members').where('workspace_id', '=', workspaceId).where('user_id', '=', userId));
      this.db.run(
        this.q
          .updateTable('api_tokens')
          .set({ revoked_at: Date.now() })
          .where('workspace_id', '=', workspaceId)
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null),
      );
      return 'removed' as const;
    });
  }

  async listMembers(workspaceId: string) {
    const rows = this.db.all(
      this.q
        .selectFrom('members')
        .innerJoin('users', 'users.id', 'members.user_id')
        .select(['users.id as userId', 'users.email', 'users.name', 'members.role'])
        .where('members.workspace_id', '=', workspaceId)
        .orderBy('users.email'),
    );
    return rows;
  }

  async rolesOfUser(userId: string): Promise<Map<string, Role>> {
    const rows = this.db.all(this.q.selectFrom('members').select(['workspace_id', 'role']).where('user_id', '=', userId));
    return new Map(rows.map((r) => [r.workspace_id, r.role]));
  }

  async createApiToken(token: { workspaceId: string; userId: string | null; role: Role; name: string; tokenHash: string }): Promise<ApiToken> {
    const id = newId('tok');
    await this.db.write(() =>
      this.db.run(
        this.q.insertInto('api_tokens').values({
          id,
          workspace_id: token.workspaceId,
          user_id: token.userId,
          role: token.role,
          name: token.name,
          token_hash: token.tokenHash,
          created_at: Date.now(),
          last_used_at: null,
          revoked_at: null,
        }),
      ),
    );
    return { id, workspaceId: token.workspaceId, userId: token.userId, role: token.role, name: token.name };
  }

  async findApiToken(tokenHash: string): Promise<ApiToken | undefined> {
    const row = this.db.first(
      this.q.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).where('revoked_at', 'is', null),
    );
    return row && { id: row.id, workspaceId: row.workspace_id, userId: row.user_id, role: row.role, name: row.name };
  }

  async listApiTokens(workspaceId: string): Promise<ApiTokenInfo[]> {
    const rows = this.db.all(
      this.q
        .selectFrom('api_tokens')
        .leftJoin('users', 'users.id', 'api_tokens.user_id')
        .select(['api_tokens.id', 'api_tokens.workspace_id', 'api_tokens.user_id', 'api_tokens.role', 'api_tokens.name', 'api_tokens.created_at', 'users.email'])
        .where('api_tokens.workspace_id', '=', workspaceId)
        .where('api_tokens.revoked_at', 'is', null)
        .orderBy('api_tokens.created_at', 'desc')
        .orderBy('api_tokens.id', 'desc'),
    );
    return rows.map((r) => ({
      id: r.id,
      workspaceId: r.workspace_id,
      userId: r.user_id,
      role: r.role,
      name: r.name,
      createdAt: Number(r.created_at),
      createdByEmail: r.email ?? null,
    }));
  }

  async revokeApiToken(workspaceId: string, id: string, now: number): Promise<boolean> {
    const changes = await this.db.write(() =>
      this.db.run(
        this.q
          .updateTable('api_tokens')
          .set({ revoked_at: now })
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', id)
          .where('revoked_at', 'is', null),
      ),
    );
    return changes > 0;
  }

  async createSession(session: { idHash: string; userId: string; expiresAt: number }): Promise<void> {
    await this.db.write(() =>
      this.db.run(
        this.q
          .insertInto('sessions')
          .values({ id_hash: session.idHash, user_id: session.userId, created_at: Date.now(), expires_at: session.expiresAt }),
      ),
    );
  }

  async findSessionUser(idHash: string, now: number): Promise<string | undefined> {
    const row = this.db.first(
      this.q.selectFrom('sessions').select('user_id').where('id_hash', '=', idHash).where('expires_at', '>', now),
    );
    return row?.user_id;
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.write(() => this.db.run(this.q.deleteFrom('sessions').where('id_hash', '=', idHash)));
  }

  async deleteUserSessions(userId: string, keepIdHash: string | null): Promise<void> {
    let query = this.q.deleteFrom('sessions').where('user_id', '=', userId);
    if (keepIdHash) query = query.where('id_hash', '<>', keepIdHash);
    await this.db.write(() => this.db.run(query));
  }

  // ---- connections ----

  async saveConnection(c: Omit<Connection, 'createdAt' | 'updatedAt'>): Promise<Connection> {
    const now = Date.now();
    await this.db.write(() =>
      this.db.run(
        this.q
          .insertInto('connections')
          .values({
            id: c.id,
            workspace_id: c.workspaceId,
            name: c.name,
            connector: c.connector,
            public_config: JSON.stringify(c.publicConfig),
            sealed_auth: c.sealedAuth,
            created_at: now,
            updated_at: now,
          })
          .onConflict((oc) =>
            oc.column('id').doUpdateSet({
              name: c.name,
              public_config: JSON.stringify(c.publicConfig),
              sealed_auth: c.sealedAuth,
              updated_at: now,
            }),
          ),
      ),
    );
    return (await this.getConnection(c.workspaceId, c.id))!;
  }

  async getConnection(workspaceId: string, id: string): Promise<Connection | undefined> {
    const row = this.db.first(
      this.q.selectFrom('connections').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id),
    );
    return row && toConnection(row);
  }

  async getConnectionByName(workspaceId: string, name: string): Promise<Connection | undefined> {
    const row = this.db.first(
      this.q.selectFrom('connections').selectAll().where('workspace_id', '=', workspaceId).where('name', '=', name),
    );
    return row && toConnection(row);
  }

  async listConnections(workspaceId: string): Promise<Connection[]> {
    return this.db
      .all(this.q.selectFrom('connections').selectAll().where('workspace_id', '=', workspaceId).orderBy('name'))
      .map(toConnection);
  }

  async deleteConnection(workspaceId: string, id: string): Promise<boolean> {
    const changes = await this.db.write(() =>
      this.db.run(this.q.deleteFrom('connections').where('workspace_id', '=', workspaceId).where('id', '=', id)),
    );
    return changes > 0;
  }

  // ---- flows ----

  async saveFlow(f: { id: string; workspaceId: string; name: string; enabled: boolean; definition: unknown; hookToken: string | null }): Promise<FlowRecord> {
    const now = Date.now();
    const definition = JSON.stringify(f.definition);
    await this.db.write(() => {
      const existing = this.db.first(
        this.q.selectFrom('flows').select(['version', 'definition']).where('id', '=', f.id).where('workspace_id', '=', f.workspaceId),
      );
      if (!existing) {
        this.db.run(
          this.q.insertInto('flows').values({
            id: f.id,
            workspace_id: f.workspaceId,
            name: f.name,
            enabled: f.enabled ? 1 : 0,
            definition,
            version: 1,
            hook_token: f.hookToken,
            created_at: now,
            updated_at: now,
          }),
        );
        this.db.run(this.q.insertInto('flow_versions').values({ flow_id: f.id, version: 1, definition, created_at: now }));
        return;
      }
      const changed = existing.definition !== definition;
      const version = changed ? existing.version + 1 : existing.version;
      this.db.run(
        this.q
          .updateTable('flows')
          .set({ name: f.name, enabled: f.enabled ? 1 : 0, definition, version, hook_token: f.hookToken, updated_at: now })
          .where('id', '=', f.id),
      );
      if (changed) this.db.run(this.q.insertInto('flow_versions').values({ flow_id: f.id, version, definition, created_at: now }));
    });
    return (await this.getFlow(f.workspaceId, f.id))!;
  }

  async getFlow(workspaceId: string, id: string): Promise<FlowRecord | undefined> {
    const row = this.db.first(this.q.selectFrom('flows').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id));
    return row && toFlow(row);
  }

  async getFlowByName(workspaceId: string, name: string): Promise<FlowRecord | undefined> {
    const row = this.db.first(this.q.selectFrom('flows').selectAll().where('workspace_id', '=', workspaceId).where('name', '=', name));
    return row && toFlow(row);
  }

  async listFlows(workspaceId: string): Promise<FlowRecord[]> {
    return this.db.all(this.q.selectFrom('flows').selectAll().where('workspace_id', '=', workspaceId).orderBy('name')).map(toFlow);
  }

  async listEnabledFlows(): Promise<FlowRecord[]> {
    return this.db.all(this.q.selectFrom('flows').selectAll().where('enabled', '=', 1)).map(toFlow);
  }

  async setFlowEnabled(workspaceId: string, id: string, enabled: boolean): Promise<FlowRecord | undefined> {
    await this.db.write(() =>
      this.db.run(
        this.q
          .updateTable('flows')
          .set({ enabled: enabled ? 1 : 0, updated_at: Date.now() })
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', id),
      ),
    );
    return this.getFlow(workspaceId, id);
  }

  async deleteFlow(workspaceId: string, id: string): Promise<boolean> {
    const changes = await this.db.write(() => {
      const n = this.db.run(this.q.deleteFrom('flows').where('workspace_id', '=', workspaceId).where('id', '=', id));
      if (n > 0) {
        this.db.run(this.q.deleteFrom('flow_versions').where('flow_id', '=', id));
        this.db.run(this.q.deleteFrom('trigger_state').where('flow_id', '=', id));
      }
      return n;
    });
    return changes > 0;
  }

  async findHookTarget(token: string): Promise<HookTarget | undefined> {
    const row = this.db.first(
      this.q.selectFrom('flows').select(['id', 'workspace_id', 'enabled', 'version']).where('hook_token', '=', token),
    );
    return row && { flowId: row.id, workspaceId: row.workspace_id, enabled: row.enabled === 1, version: row.version };
  }

  async getFlowDefinition(flowId: string, version: number): Promise<unknown> {
    const row = this.db.first(
      this.q.selectFrom('flow_versions').select('definition').where('flow_id', '=', flowId).where('version', '=', version),
    );
    return row ? parseJson(row.definition) : undefined;
  }

  // ---- webhooks ----

  async acceptWebhook(w: NewWebhook, e: NewExecution | null, day: string | null): Promise<void> {
    // The exact bytes when there are some; the body is parsed from them when read.
    const raw = w.raw ? await encodeRawAsync(w.raw, this.coding) : null;
    const body = raw ? '' : JSON.stringify(w.body);
    const createdAt = Date.now();
    let inserted = false;
    await this.db.write(() => {
      this.db.runSql(INSERT_WEBHOOK, [
        w.id,
        w.workspaceId,
        w.flowId,
        w.method,
        JSON.stringify(w.headers),
        JSON.stringify(w.query),
        body,
        w.bodyKind,
        w.contentType,
        w.size,
        w.ip,
        w.status,
        w.error,
        w.receivedAt,
        raw,
      ]);
      if (e) inserted = this.insertExecution(e, createdAt);
      if (day !== null) this.db.count(COUNT_WEBHOOKS, [w.workspaceId, day], 1);
    }, RERUNNABLE);
    // The executor that runs it next needs no read: the row is exactly this (a repeat whose dedupe
    // key was taken inserted nothing, and is not handed on).
    if (e && inserted && e.triggerFromWebhook) this.handOff.put(e.id, acceptedExecution(e, createdAt));
  }

  async claimDedupeKey(executionId: string, flowId: string, key: string): Promise<string | null> {
    return this.db.write(() => {
      const holder = this.db.first(this.q.selectFrom('executions').select('id').where('flow_id', '=', flowId).where('dedupe_key', '=', key));
      if (holder) return holder.id === executionId ? null : holder.id;
      this.db.run(this.q.updateTable('executions').set({ dedupe_key: key }).where('id', '=', executionId));
      return null;
    });
  }

  /** False when the execution's dedupe key is already taken for its flow (nothing was inserted). */
  private insertExecution(e: NewExecution, now = Date.now()): boolean {
    const trigger = e.triggerFromWebhook && e.webhookId ? TRIGGER_FROM_WEBHOOK : JSON.stringify(e.trigger ?? {});
    const changes = this.db.runSql(INSERT_EXECUTION, [
      e.id,
      e.workspaceId,
      e.flowId,
      e.flowVersion,
      e.webhookId,
      e.origin,
      trigger,
      e.nextRunAt,
      now,
      now,
      e.dedupeKey ?? null,
    ]);
    return changes > 0;
  }

  async listWebhooks(workspaceId: string, filter: WebhookFilter): Promise<Page<WebhookRecord>> {
    let query = this.q.selectFrom('webhooks').selectAll().where('workspace_id', '=', workspaceId);
    if (filter.flowId) query = query.where('flow_id', '=', filter.flowId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.from !== undefined) query = query.where('received_at', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('received_at', '<', filter.to);
    if (filter.before) query = query.where('id', '<', filter.before);
    const rows = this.db.all(query.orderBy('id', 'desc').limit(filter.limit + 1));
    return page(rows.map(toWebhook), filter.limit);
  }

  async getWebhook(workspaceId: string, id: string): Promise<WebhookRecord | undefined> {
    const row = this.db.first(this.q.selectFrom('webhooks').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id));
    return row && toWebhook(row);
  }

  // ---- executions ----

  async createExecution(e: NewExecution): Promise<void> {
    await this.db.write(() => this.insertExecution(e), RERUNNABLE);
  }

  async getExecution(workspaceId: string, id: string): Promise<ExecutionRecord | undefined> {
    const row = this.db.allSql<ExecutionRow>(SELECT_EXECUTION_IN, [workspaceId, id])[0];
    return row && toExecution(row);
  }

  async listExecutions(workspaceId: string, filter: ExecutionFilter): Promise<Page<ExecutionRecord>> {
    const where = ['e.workspace_id = ?'];
    const params: Array<string | number> = [workspaceId];
    const add = (clause: string, value: string | number) => {
      where.push(clause);
      params.push(value);
    };
    if (filter.flowId) add('e.flow_id = ?', filter.flowId);
    if (filter.status) add('e.status = ?', filter.status);
    if (filter.webhookId) add('e.webhook_id = ?', filter.webhookId);
    if (filter.from !== undefined) add('e.created_at >= ?', filter.from);
    if (filter.to !== undefined) add('e.created_at < ?', filter.to);
    if (filter.before) add('e.id < ?', filter.before);
    params.push(filter.limit + 1);
    const rows = this.db.allSql<ExecutionRow>(`SELECT ${EXECUTION_WITH_TRIGGER} WHERE ${where.join(' AND ')} ORDER BY e.id DESC LIMIT ?`, params);
    return page(rows.map((r) => toExecution(r)), filter.limit);
  }

  async flowStats(workspaceId: string, flowIds: readonly string[], since: number, month: string): Promise<Map<string, FlowStats>> {
    const stats = new Map<string, FlowStats>(flowIds.map((id) => [id, { lastExecution: null, executionsToday: 0, errorsToday: 0, transactionsMonth: 0 }]));
    if (flowIds.length === 0) return stats;
    const ids = [...flowIds];
    const marks = ids.map(() => '?').join(',');
    // SQLite: with MAX(), the bare columns come from the row that has the maximum (one index seek per flow).
    const last = this.db.allSql<{ flow_id: string; id: string; status: ExecutionStatus; at: number }>(
      `SELECT flow_id, id, status, MAX(created_at) AS at FROM executions WHERE workspace_id = ? AND flow_id IN (${marks}) GROUP BY flow_id`,
      [workspaceId, ...ids],
    );
    for (const r of last) stats.get(r.flow_id)!.lastExecution = { id: r.id, status: r.status, at: r.at };
    const today = this.db.allSql<{ flow_id: string; n: number; failed: number }>(
      `SELECT flow_id, COUNT(*) AS n, SUM(status = 'failed') AS failed FROM executions
       WHERE workspace_id = ? AND flow_id IN (${marks}) AND created_at >= ? GROUP BY flow_id`,
      [workspaceId, ...ids, since],
    );
    for (const r of today) Object.assign(stats.get(r.flow_id)!, { executionsToday: r.n, errorsToday: r.failed ?? 0 });
    const month_ = this.db.allSql<{ flow_id: string; n: number }>(
      `SELECT flow_id, SUM(transactions) AS n FROM usage_flow_month WHERE workspace_id = ? AND month = ? AND flow_id IN (${marks}) GROUP BY flow_id`,
      [workspaceId, month, ...ids],
    );
    for (const r of month_) stats.get(r.flow_id)!.transactionsMonth = r.n;
    return stats;
  }

  async flowNames(workspaceId: string, ids: readonly string[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = this.db.all(this.q.selectFrom('flows').select(['id', 'name']).where('workspace_id', '=', workspaceId).where('id', 'in', unique));
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  async loadExecution(id: string): Promise<{ execution: ExecutionRecord; steps: StepRecord[] } | undefined> {
    // Just accepted by this process and not changed since (updateExecution takes it back): the
    // row is in hand, with no journal yet. A read here costs ~15 µs, ~3 % of a webhook's CPU.
    const handed = this.handOff.take(id);
    if (handed) return { execution: handed, steps: [] };
    // Once per execution run: precompiled SQL rather than a Kysely build each time.
    const row = this.db.allSql<ExecutionRow>(SELECT_EXECUTION, [id])[0];
    if (!row) return undefined;
    // Never started: no journal yet (the first step's write also sets started_at), no query needed.
    const steps = row.started_at === null ? [] : this.db.allSql<Selectable<ExecutionStepsTable>>(SELECT_STEPS, [id]).map(toStep);
    return { execution: toExecution(row), steps };
  }

  async listSteps(executionId: string): Promise<StepRecord[]> {
    return this.db
      .all(this.q.selectFrom('execution_steps').selectAll().where('execution_id', '=', executionId).orderBy('idx'))
      .map(toStep);
  }

  async countTransactions(usage: TransactionUsage): Promise<void> {
    await this.db.write(() => this.addTransactions(usage), RERUNNABLE);
  }

  private addTransactions(usage: TransactionUsage): void {
    if (usage.count <= 0) return;
    if (!usage.dayCounted) this.db.count(COUNT_TRANSACTIONS_DAY, [usage.workspaceId, usage.day], usage.count);
    this.db.count(COUNT_TRANSACTIONS_FLOW, [usage.workspaceId, usage.month, usage.flowId, usage.connector], usage.count);
  }

  async getExecutionStatus(id: string): Promise<ExecutionStatus | undefined> {
    return this.db.allSql<{ status: ExecutionStatus }>(SELECT_STATUS, [id])[0]?.status;
  }

  /** A journal entry's columns, long JSON packed off the main thread before the write. */
  private async stepRow(s: StepRecord): Promise<ReturnType<typeof stepValues>> {
    const json = journalJson(s);
    const [input, output] = await Promise.all([json.input && packTextAsync(json.input), json.output && packTextAsync(json.output)]);
    return stepValues(s, { input, output });
  }

  private applyExecutionUpdate(id: string, u: ExecutionUpdate): void {
    // Every step of every execution comes here: the columns set pick one of a handful of SQL texts,
    // each built and prepared once (a Kysely build per call cost ~4 % of the CPU, a string build
    // per call ~1.5 KB of garbage).
    const values: Array<string | number | null> = [Date.now()];
    let shape = u.status === 'cancelled' ? 1 : 0;
    for (let i = 0; i < UPDATE_COLUMNS.length; i++) {
      const [field] = UPDATE_COLUMNS[i];
      const value = u[field];
      if (value === undefined) continue;
      shape |= 2 << i;
      values.push(field === 'trigger' ? JSON.stringify(value) : (value as string | number | null));
    }
    values.push(id);
    this.db.runSql((UPDATE_SQL[shape] ??= updateSql(shape)), values);
  }

  async saveStep(step: StepRecord): Promise<void> {
    const row = await this.stepRow(step);
    await this.db.write(() => this.db.runSql(UPSERT_STEP, row), RERUNNABLE);
  }

  async updateExecution(id: string, update: ExecutionUpdate): Promise<void> {
    // Changed by someone else than its run (a cancel, a retry by hand): the run reads the row.
    this.handOff.take(id);
    await this.db.write(() => this.applyExecutionUpdate(id, update), RERUNNABLE);
  }

  async saveStepAndExecution(step: StepRecord | null, id: string, update: ExecutionUpdate, usage?: TransactionUsage): Promise<void> {
    const row = step && (await this.stepRow(step));
    await this.db.write(() => {
      if (row) this.db.runSql(UPSERT_STEP, row);
      this.applyExecutionUpdate(id, update);
      if (usage) this.addTransactions(usage);
    }, RERUNNABLE);
  }

  async requeueFailed(workspaceId: string, id: string, now: number, flowVersion?: number): Promise<ExecutionRecord | undefined> {
    const done = await this.db.write(() => {
      const row = this.db.first(
        this.q.selectFrom('executions').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id),
      );
      if (!row || row.status !== 'failed') return false;
      // The failed step runs again; its attempts so far stay in the journal's count.
      this.db.run(
        this.q
          .updateTable('execution_steps')
          .set({ status: 'retrying', resume_at: null })
          .where('execution_id', '=', id)
          .where('status', '=', 'failed'),
      );
      this.applyExecutionUpdate(id, {
        status: 'queued',
        error: null,
        errorStep: null,
        nextRunAt: now,
        finishedAt: null,
        retries: row.retries + 1,
      });
      if (flowVersion !== undefined) this.db.run(this.q.updateTable('executions').set({ flow_version: flowVersion }).where('id', '=', id));
      return true;
    });
    return done ? this.getExecution(workspaceId, id) : undefined;
  }

  async listUnfinished(limit: number, touchedBefore = Number.MAX_SAFE_INTEGER): Promise<Array<{ id: string; nextRunAt: number }>> {
    const rows = this.db.all(
      this.q
        .selectFrom('executions')
        .select(['id', 'next_run_at'])
        .where(sql<boolean>`status IN (${sql.raw(UNFINISHED_SQL_LIST)})`)
        .where('updated_at', '<', touchedBefore)
        .orderBy('next_run_at')
        .limit(limit),
    );
    return rows.map((r) => ({ id: r.id, nextRunAt: Number(r.next_run_at) }));
  }

  // ---- leases ----

  async claimExecution(id: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    return (await this.db.write(() => this.db.runSql(CLAIM_ONE, [owner, now + leaseMs, id, now, owner]), RERUNNABLE)) > 0;
  }

  async releaseExecution(id: string, owner: string): Promise<void> {
    await this.db.write(() => this.db.runSql(RELEASE_ONE, [id, owner]), RERUNNABLE);
  }

  async claimPoll(flowId: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    return (await this.db.write(() => this.db.runSql(CLAIM_POLL, [flowId, now, owner, now + leaseMs, now]), RERUNNABLE)) > 0;
  }

  // ---- polling triggers ----

  async getTriggerCursor(flowId: string): Promise<{ cursor: unknown; lastRunAt: number | null; lastError: string | null } | undefined> {
    const row = this.db.first(this.q.selectFrom('trigger_state').selectAll().where('flow_id', '=', flowId));
    // A row that only holds a lease (claimPoll) has never been polled: no state yet.
    if (!row || (row.last_run_at === null && row.cursor === null)) return undefined;
    return { cursor: parseJson(row.cursor), lastRunAt: row.last_run_at === null ? null : Number(row.last_run_at), lastError: row.last_error };
  }

  async commitPoll(flowId: string, cursor: unknown, executions: NewExecution[], error: string | null, now: number, usage?: TransactionUsage): Promise<string[]> {
    const created: string[] = [];
    await this.db.write(() => {
      if (usage) this.addTransactions(usage);
      for (const e of executions) if (this.insertExecution(e)) created.push(e.id);
      const cursorText = cursor === undefined ? null : JSON.stringify(cursor);
      this.db.run(
        this.q
          .insertInto('trigger_state')
          .values({ flow_id: flowId, cursor: cursorText, last_run_at: now, last_error: error, updated_at: now })
          .onConflict((oc) =>
            oc.column('flow_id').doUpdateSet({ cursor: cursorText, last_run_at: now, last_error: error, updated_at: now }),
          ),
      );
    });
    return created;
  }
}
