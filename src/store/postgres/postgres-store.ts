// The distributed store: PostgreSQL through pg, queries built with Kysely. Same contract as the
// SQLite store; what differs is how it holds under several processes at once:
// - every write resolves after COMMIT; webhooks (the hot write) are group-committed, many per
//   transaction with multi-row inserts (batcher.ts);
// - read-modify-writes lock what they read (SELECT … FOR UPDATE), quotas under an advisory lock;
// - work several workers may take (due executions, poll triggers) is leased with an atomic
//   UPDATE … WHERE the lease is free, batches with FOR UPDATE SKIP LOCKED.
import { sql, type Selectable } from 'kysely';
import type { ExecutionStepsTable, ExecutionsTable, Role, WorkspacesTable } from '../schema.ts';
import { UNFINISHED_SQL_LIST } from '../schema.ts';
import type {
  ApiToken,
  ApiTokenInfo,
  Connection,
  ExecutionFilter,
  ExecutionRecord,
  ExecutionStatus,
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
import { EXECUTION_WITH_TRIGGER, page, toConnection, toExecution, toFlow, toStep, toWebhook, toWorkspace, type ExecutionRow } from '../rows.ts';
import type { StorageState } from '../storage-errors.ts';
import { encodeRawAsync, TRIGGER_FROM_WEBHOOK, AcceptedHandOff, type RawCoding } from '../stored-body.ts';
import { WriteBatcher } from './batcher.ts';
import { PostgresDatabase, type PostgresOptions, type Queries, type SqlValue } from './database.ts';
import { COUNT_TRANSACTIONS_DAY, COUNT_TRANSACTIONS_FLOW, PostgresPlanStore } from './plan-store.ts';
import { PostgresAccessStore } from './access-store.ts';
import { PostgresAuditStore } from './audit-store.ts';
import { PostgresChangeStore } from './change-store.ts';
import { PostgresVariableStore } from './variable-store.ts';
import { PostgresCircuitStore } from './circuit-store.ts';
import { PostgresAlertStore } from './alert-store.ts';
import { PostgresCollectionStore } from './collection-store.ts';
import { stepValues } from '../collections.ts';

const WEBHOOK_COLUMNS = 'id, workspace_id, flow_id, method, headers, query, body, body_kind, content_type, size, ip, status, error, received_at, raw';
const EXECUTION_COLUMNS = `id, workspace_id, flow_id, flow_version, webhook_id, origin, status, trigger, error, error_step, retries,
  next_run_at, created_at, started_at, finished_at, updated_at, dedupe_key`;
/** One execution row's placeholders from `$n` on: 11 values, the rest constant for a new execution. */
const executionRow = (n: number) =>
  `($${n},$${n + 1},$${n + 2},$${n + 3},$${n + 4},$${n + 5},'queued',$${n + 6},NULL,NULL,0,$${n + 7},$${n + 8},NULL,NULL,$${n + 9},$${n + 10})`;
// A known (flow_id, dedupe_key) creates nothing: the event already has its execution.
const ON_DEDUPE = 'ON CONFLICT (flow_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING';
const INSERT_EXECUTION = `INSERT INTO executions (${EXECUTION_COLUMNS}) VALUES ${executionRow(1)} ${ON_DEDUPE}`;
const UPSERT_STEP = `INSERT INTO execution_steps (execution_id, step_id, idx, type, status, input, output, error, attempts,
  transactions, resume_at, started_at, finished_at, sealed_output) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)
  ON CONFLICT (execution_id, step_id) DO UPDATE SET status = excluded.status, input = excluded.input,
  output = excluded.output, error = excluded.error, attempts = excluded.attempts, transactions = excluded.transactions,
  resume_at = excluded.resume_at, started_at = excluded.started_at, finished_at = excluded.finished_at,
  sealed_output = excluded.sealed_output`;
const SELECT_EXECUTION_ONLY = 'SELECT * FROM executions WHERE id = $1';
const SELECT_EXECUTION = `SELECT ${EXECUTION_WITH_TRIGGER} WHERE e.id = $1`;
const SELECT_EXECUTION_IN = `SELECT ${EXECUTION_WITH_TRIGGER} WHERE e.workspace_id = $1 AND e.id = $2`;
const SELECT_STATUS = 'SELECT status FROM executions WHERE id = $1';
const SELECT_STEPS = 'SELECT * FROM execution_steps WHERE execution_id = $1 ORDER BY idx';

// SKIP LOCKED: a worker claiming at the same moment takes other rows instead of waiting for these.
const CLAIM_ONE = `UPDATE executions SET claimed_by = $1, claimed_until = $2 WHERE id = $3 AND status IN (${UNFINISHED_SQL_LIST})
  AND (claimed_until IS NULL OR claimed_until <= $4 OR claimed_by = $1)`;
const RELEASE_ONE = 'UPDATE executions SET claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND claimed_by = $2';
/** Creates the trigger's row when it has none yet (no cursor, never polled). */
const CLAIM_POLL = `INSERT INTO trigger_state (flow_id, cursor, last_run_at, last_error, updated_at, claimed_by, claimed_until)
  VALUES ($1, NULL, NULL, NULL, $2, $3, $4) ON CONFLICT (flow_id) DO UPDATE SET claimed_by = excluded.claimed_by,
  claimed_until = excluded.claimed_until WHERE trigger_state.claimed_until IS NULL OR trigger_state.claimed_until <= $2
  OR trigger_state.claimed_by = excluded.claimed_by`;

/** Webhooks written per transaction at most (the parameters of one multi-row insert stay far below 65,535). */
const WEBHOOK_BATCH = 200;

interface WebhookWrite {
  webhook: NewWebhook;
  execution: NewExecution | null;
  /** Null: already counted (PlanStore.takeQuota). */
  day: string | null;
  body: string;
  raw: Uint8Array | null;
}

export class PostgresStore implements Store {
  readonly db: PostgresDatabase;
  readonly plans: PostgresPlanStore;
  readonly access: PostgresAccessStore;
  readonly audit: PostgresAuditStore;
  readonly changes: PostgresChangeStore;
  readonly variables: PostgresVariableStore;
  readonly circuits: PostgresCircuitStore;
  readonly alerts: PostgresAlertStore;
  readonly collections: PostgresCollectionStore;
  private readonly webhooks: WriteBatcher<WebhookWrite>;
  private readonly coding: RawCoding;
  private readonly handOff = new AcceptedHandOff();

  constructor(url: string, opts: PostgresOptions & Partial<RawCoding> = {}) {
    this.coding = { compress: opts.compress ?? true };
    this.db = new PostgresDatabase(url, opts);
    this.plans = new PostgresPlanStore(this.db);
    this.access = new PostgresAccessStore(this.db);
    this.audit = new PostgresAuditStore(this.db);
    this.changes = new PostgresChangeStore(this.db);
    this.variables = new PostgresVariableStore(this.db);
    this.circuits = new PostgresCircuitStore(this.db);
    this.alerts = new PostgresAlertStore(this.db);
    this.collections = new PostgresCollectionStore(this.db);
    this.webhooks = new WriteBatcher(this.db, (tx, items) => writeWebhooks(tx, items), { maxBatch: WEBHOOK_BATCH, maxInFlight: 2 });
  }

  private get q() {
    return this.db.kysely;
  }

  /** Set by a write refused for PostgreSQL's disk_full (database.ts); cleared when a write adding rows commits. */
  get storage(): StorageState {
    return this.db.storage;
  }

  private get r(): Queries {
    return this.db.read;
  }

  async migrate(): Promise<void> {
    await this.db.migrate();
  }

  async close(): Promise<void> {
    await this.webhooks.drained();
    await this.db.close();
  }

  // ---- workspaces, users, access ----

  async ensureWorkspace(slug: string, name: string): Promise<Workspace> {
    const existing = await this.getWorkspaceBySlug(slug);
    if (existing) return existing;
    // Processes starting together all ensure `default`: the first insert wins, the rest read it.
    await this.r.run(this.q.insertInto('workspaces').values({ id: newId('ws'), slug, name, created_at: Date.now() }).onConflict((oc) => oc.column('slug').doNothing()));
    return (await this.getWorkspaceBySlug(slug))!;
  }

  async createWorkspace(slug: string, name: string): Promise<Workspace> {
    const ws = { id: newId('ws'), slug, name, created_at: Date.now() };
    const row = await this.r.first(this.q.insertInto('workspaces').values(ws).returningAll());
    return toWorkspace(row!);
  }

  async getWorkspace(id: string): Promise<Workspace | undefined> {
    const row = await this.r.first(this.q.selectFrom('workspaces').selectAll().where('id', '=', id));
    return row && toWorkspace(row);
  }

  async getWorkspaceBySlug(slug: string): Promise<Workspace | undefined> {
    const row = await this.r.first(this.q.selectFrom('workspaces').selectAll().where('slug', '=', slug));
    return row && toWorkspace(row);
  }

  async listWorkspaces(ids: readonly string[]): Promise<Workspace[]> {
    if (ids.length === 0) return [];
    return (await this.r.all(this.q.selectFrom('workspaces').selectAll().where('id', 'in', ids).orderBy('slug'))).map(toWorkspace);
  }

  async updateWorkspace(id: string, settings: WorkspaceSettings): Promise<Workspace | undefined> {
    const set: Partial<Selectable<WorkspacesTable>> = {};
    if (settings.name !== undefined) set.name = settings.name;
    if (settings.timezone !== undefined) set.timezone = settings.timezone;
    if (settings.locale !== undefined) set.locale = settings.locale;
    if (Object.keys(set).length > 0) await this.r.run(this.q.updateTable('workspaces').set(set).where('id', '=', id));
    return this.getWorkspace(id);
  }

  async createUser(user: { email: string; name: string; passwordHash: string }): Promise<User> {
    const row = { id: newId('usr'), email: user.email.toLowerCase(), name: user.name, password_hash: user.passwordHash, created_at: Date.now() };
    await this.r.run(this.q.insertInto('users').values(row));
    return { id: row.id, email: row.email, name: row.name, passwordHash: row.password_hash, createdAt: row.created_at };
  }

  async getUser(id: string): Promise<User | undefined> {
    const row = await this.r.first(this.q.selectFrom('users').selectAll().where('id', '=', id));
    return row && { id: row.id, email: row.email, name: row.name, passwordHash: row.password_hash, createdAt: Number(row.created_at) };
  }

  async getUserByEmail(email: string): Promise<User | undefined> {
    const row = await this.r.first(this.q.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()));
    return row && { id: row.id, email: row.email, name: row.name, passwordHash: row.password_hash, createdAt: Number(row.created_at) };
  }

  async setUserPassword(userId: string, passwordHash: string): Promise<void> {
    await this.r.run(this.q.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId));
  }

  async setMember(workspaceId: string, userId: string, role: Role): Promise<void> {
    await this.r.run(
      this.q
        .insertInto('members')
        .values({ workspace_id: workspaceId, user_id: userId, role, created_at: Date.now() })
        .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role })),
    );
  }

  async removeMember(workspaceId: string, userId: string): Promise<'removed' | 'not_found' | 'last_owner'> {
    return this.db.transaction(async (tx) => {
      // The workspace's owners locked: two owners removed at once cannot both see "another owner is left".
      const owners = await tx.all(this.q.selectFrom('members').select('user_id').where('workspace_id', '=', workspaceId).where('role', '=', 'owner').forUpdate());
      const member = await tx.first(this.q.selectFrom('members').select('role').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).forUpdate());
      if (!member) return 'not_found' as const;
      if (member.role === 'owner' && owners.length <= 1) return 'last_owner' as const;
      await tx.run(this.q.deleteFrom('members').where('workspace_id', '=', workspaceId).where('user_id', '=', userId));
      await tx.run(
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
    return this.r.all(
      this.q
        .selectFrom('members')
        .innerJoin('users', 'users.id', 'members.user_id')
        .select(['users.id as userId', 'users.email', 'users.name', 'members.role'])
        .where('members.workspace_id', '=', workspaceId)
        .orderBy('users.email'),
    );
  }

  async rolesOfUser(userId: string): Promise<Map<string, Role>> {
    const rows = await this.r.all(this.q.selectFrom('members').select(['workspace_id', 'role']).where('user_id', '=', userId));
    return new Map(rows.map((r) => [r.workspace_id, r.role]));
  }

  async createApiToken(token: { workspaceId: string; userId: string | null; role: Role; name: string; tokenHash: string }): Promise<ApiToken> {
    const id = newId('tok');
    await this.r.run(
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
    );
    return { id, workspaceId: token.workspaceId, userId: token.userId, role: token.role, name: token.name };
  }

  async findApiToken(tokenHash: string): Promise<ApiToken | undefined> {
    const row = await this.r.first(this.q.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).where('revoked_at', 'is', null));
    return row && { id: row.id, workspaceId: row.workspace_id, userId: row.user_id, role: row.role, name: row.name };
  }

  async listApiTokens(workspaceId: string): Promise<ApiTokenInfo[]> {
    const rows = await this.r.all(
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
    const changes = await this.r.run(
      this.q.updateTable('api_tokens').set({ revoked_at: now }).where('workspace_id', '=', workspaceId).where('id', '=', id).where('revoked_at', 'is', null),
    );
    return changes > 0;
  }

  async createSession(session: { idHash: string; userId: string; expiresAt: number }): Promise<void> {
    await this.r.run(this.q.insertInto('sessions').values({ id_hash: session.idHash, user_id: session.userId, created_at: Date.now(), expires_at: session.expiresAt }));
  }

  async findSessionUser(idHash: string, now: number): Promise<string | undefined> {
    const row = await this.r.first(this.q.selectFrom('sessions').select('user_id').where('id_hash', '=', idHash).where('expires_at', '>', now));
    return row?.user_id;
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.r.run(this.q.deleteFrom('sessions').where('id_hash', '=', idHash));
  }

  async deleteUserSessions(userId: string, keepIdHash: string | null): Promise<void> {
    let query = this.q.deleteFrom('sessions').where('user_id', '=', userId);
    if (keepIdHash) query = query.where('id_hash', '<>', keepIdHash);
    await this.r.run(query);
  }

  // ---- connections ----

  async saveConnection(c: Omit<Connection, 'createdAt' | 'updatedAt'>): Promise<Connection> {
    const now = Date.now();
    await this.r.run(
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
        .onConflict((oc) => oc.column('id').doUpdateSet({ name: c.name, public_config: JSON.stringify(c.publicConfig), sealed_auth: c.sealedAuth, updated_at: now })),
    );
    return (await this.getConnection(c.workspaceId, c.id))!;
  }

  async getConnection(workspaceId: string, id: string): Promise<Connection | undefined> {
    const row = await this.r.first(this.q.selectFrom('connections').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id));
    return row && toConnection(row);
  }

  async getConnectionByName(workspaceId: string, name: string): Promise<Connection | undefined> {
    const row = await this.r.first(this.q.selectFrom('connections').selectAll().where('workspace_id', '=', workspaceId).where('name', '=', name));
    return row && toConnection(row);
  }

  async listConnections(workspaceId: string): Promise<Connection[]> {
    return (await this.r.all(this.q.selectFrom('connections').selectAll().where('workspace_id', '=', workspaceId).orderBy('name'))).map(toConnection);
  }

  async deleteConnection(workspaceId: string, id: string): Promise<boolean> {
    return (await this.r.run(this.q.deleteFrom('connections').where('workspace_id', '=', workspaceId).where('id', '=', id))) > 0;
  }

  // ---- flows ----

  async saveFlow(f: { id: string; workspaceId: string; name: string; enabled: boolean; definition: unknown; hookToken: string | null }): Promise<FlowRecord> {
    const now = Date.now();
    const definition = JSON.stringify(f.definition);
    await this.db.transaction(async (tx) => {
      // Locked: two saves at once get consecutive versions, never the same one twice.
      const existing = await tx.first(
        this.q.selectFrom('flows').select(['version', 'definition']).where('id', '=', f.id).where('workspace_id', '=', f.workspaceId).forUpdate(),
      );
      if (!existing) {
        await tx.run(
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
        await tx.run(this.q.insertInto('flow_versions').values({ flow_id: f.id, version: 1, definition, created_at: now }));
        return;
      }
      const changed = existing.definition !== definition;
      const version = changed ? existing.version + 1 : existing.version;
      await tx.run(
        this.q
          .updateTable('flows')
          .set({ name: f.name, enabled: f.enabled ? 1 : 0, definition, version, hook_token: f.hookToken, updated_at: now })
          .where('id', '=', f.id),
      );
      if (changed) await tx.run(this.q.insertInto('flow_versions').values({ flow_id: f.id, version, definition, created_at: now }));
    });
    return (await this.getFlow(f.workspaceId, f.id))!;
  }

  async getFlow(workspaceId: string, id: string): Promise<FlowRecord | undefined> {
    const row = await this.r.first(this.q.selectFrom('flows').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id));
    return row && toFlow(row);
  }

  async getFlowByName(workspaceId: string, name: string): Promise<FlowRecord | undefined> {
    const row = await this.r.first(this.q.selectFrom('flows').selectAll().where('workspace_id', '=', workspaceId).where('name', '=', name));
    return row && toFlow(row);
  }

  async listFlows(workspaceId: string): Promise<FlowRecord[]> {
    return (await this.r.all(this.q.selectFrom('flows').selectAll().where('workspace_id', '=', workspaceId).orderBy('name'))).map(toFlow);
  }

  async listEnabledFlows(): Promise<FlowRecord[]> {
    return (await this.r.all(this.q.selectFrom('flows').selectAll().where('enabled', '=', 1))).map(toFlow);
  }

  async setFlowEnabled(workspaceId: string, id: string, enabled: boolean): Promise<FlowRecord | undefined> {
    await this.r.run(this.q.updateTable('flows').set({ enabled: enabled ? 1 : 0, updated_at: Date.now() }).where('workspace_id', '=', workspaceId).where('id', '=', id));
    return this.getFlow(workspaceId, id);
  }

  async deleteFlow(workspaceId: string, id: string): Promise<boolean> {
    const changes = await this.db.transaction(async (tx) => {
      const n = await tx.run(this.q.deleteFrom('flows').where('workspace_id', '=', workspaceId).where('id', '=', id));
      if (n > 0) {
        await tx.run(this.q.deleteFrom('flow_versions').where('flow_id', '=', id));
        await tx.run(this.q.deleteFrom('trigger_state').where('flow_id', '=', id));
      }
      return n;
    });
    return changes > 0;
  }

  async findHookTarget(token: string): Promise<HookTarget | undefined> {
    const row = await this.r.first(this.q.selectFrom('flows').select(['id', 'workspace_id', 'enabled', 'version']).where('hook_token', '=', token));
    return row && { flowId: row.id, workspaceId: row.workspace_id, enabled: row.enabled === 1, version: row.version };
  }

  async getFlowDefinition(flowId: string, version: number): Promise<unknown> {
    const row = await this.r.first(this.q.selectFrom('flow_versions').select('definition').where('flow_id', '=', flowId).where('version', '=', version));
    return row ? parseJson(row.definition) : undefined;
  }

  // ---- webhooks ----

  /** Resolves after the COMMIT of the transaction that holds the webhook, its execution and its count. */
  async acceptWebhook(w: NewWebhook, e: NewExecution | null, day: string | null): Promise<void> {
    // The exact bytes when there are some; the body is parsed from them when read.
    const raw = w.raw ? await encodeRawAsync(w.raw, this.coding) : null;
    await this.webhooks.submit({ webhook: w, execution: e, day, body: raw ? '' : JSON.stringify(w.body), raw });
    this.storage.ok();
    if (e?.triggerFromWebhook) this.handOff.put(e.id, e.trigger);
  }

  async listWebhooks(workspaceId: string, filter: WebhookFilter): Promise<Page<WebhookRecord>> {
    let query = this.q.selectFrom('webhooks').selectAll().where('workspace_id', '=', workspaceId);
    if (filter.flowId) query = query.where('flow_id', '=', filter.flowId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.from !== undefined) query = query.where('received_at', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('received_at', '<', filter.to);
    if (filter.before) query = query.where('id', '<', filter.before);
    const rows = await this.r.all(query.orderBy('id', 'desc').limit(filter.limit + 1));
    return page(rows.map(toWebhook), filter.limit);
  }

  async getWebhook(workspaceId: string, id: string): Promise<WebhookRecord | undefined> {
    const row = await this.r.first(this.q.selectFrom('webhooks').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id));
    return row && toWebhook(row);
  }

  // ---- executions ----

  async claimDedupeKey(executionId: string, flowId: string, key: string): Promise<string | null> {
    const holder = () => this.r.first(this.q.selectFrom('executions').select('id').where('flow_id', '=', flowId).where('dedupe_key', '=', key));
    const found = await holder();
    if (found) return found.id === executionId ? null : found.id;
    try {
      await this.r.run(this.q.updateTable('executions').set({ dedupe_key: key }).where('id', '=', executionId));
      return null;
    } catch (error) {
      // Another execution of the flow took the key between the read and the write.
      if ((error as { code?: string }).code !== '23505') throw error;
      return (await holder())?.id ?? null;
    }
  }

  async createExecution(e: NewExecution): Promise<void> {
    await insertExecution(this.r, e);
  }

  async getExecution(workspaceId: string, id: string): Promise<ExecutionRecord | undefined> {
    const row = (await this.r.allSql<ExecutionRow>(SELECT_EXECUTION_IN, [workspaceId, id]))[0];
    return row && toExecution(row);
  }

  async listExecutions(workspaceId: string, filter: ExecutionFilter): Promise<Page<ExecutionRecord>> {
    const params: SqlValue[] = [workspaceId];
    const where = ['e.workspace_id = $1'];
    const add = (clause: string, value: string | number) => {
      params.push(value);
      where.push(`${clause} $${params.length}`);
    };
    if (filter.flowId) add('e.flow_id =', filter.flowId);
    if (filter.status) add('e.status =', filter.status);
    if (filter.webhookId) add('e.webhook_id =', filter.webhookId);
    if (filter.from !== undefined) add('e.created_at >=', filter.from);
    if (filter.to !== undefined) add('e.created_at <', filter.to);
    if (filter.before) add('e.id <', filter.before);
    params.push(filter.limit + 1);
    const rows = await this.r.allSql<ExecutionRow>(`SELECT ${EXECUTION_WITH_TRIGGER} WHERE ${where.join(' AND ')} ORDER BY e.id DESC LIMIT $${params.length}`, params);
    return page(rows.map((r) => toExecution(r)), filter.limit);
  }

  async flowStats(workspaceId: string, flowIds: readonly string[], since: number, month: string): Promise<Map<string, FlowStats>> {
    const stats = new Map<string, FlowStats>(flowIds.map((id) => [id, { lastExecution: null, executionsToday: 0, errorsToday: 0, transactionsMonth: 0 }]));
    if (flowIds.length === 0) return stats;
    const ids = [...flowIds];
    const [last, today, monthly] = await Promise.all([
      this.r.allSql<{ flow_id: string; id: string; status: ExecutionStatus; at: number }>(
        `SELECT DISTINCT ON (flow_id) flow_id, id, status, created_at AS at FROM executions
         WHERE workspace_id = $1 AND flow_id = ANY($2::text[]) ORDER BY flow_id, created_at DESC, id DESC`,
        [workspaceId, ids],
      ),
      this.r.allSql<{ flow_id: string; n: number; failed: number }>(
        `SELECT flow_id, COUNT(*) AS n, COUNT(*) FILTER (WHERE status = 'failed') AS failed FROM executions
         WHERE workspace_id = $1 AND flow_id = ANY($2::text[]) AND created_at >= $3 GROUP BY flow_id`,
        [workspaceId, ids, since],
      ),
      this.r.allSql<{ flow_id: string; n: number }>(
        `SELECT flow_id, SUM(transactions) AS n FROM usage_flow_month WHERE workspace_id = $1 AND month = $2 AND flow_id = ANY($3::text[]) GROUP BY flow_id`,
        [workspaceId, month, ids],
      ),
    ]);
    for (const r of last) stats.get(r.flow_id)!.lastExecution = { id: r.id, status: r.status, at: Number(r.at) };
    for (const r of today) Object.assign(stats.get(r.flow_id)!, { executionsToday: Number(r.n), errorsToday: Number(r.failed ?? 0) });
    for (const r of monthly) stats.get(r.flow_id)!.transactionsMonth = Number(r.n);
    return stats;
  }

  async flowNames(workspaceId: string, ids: readonly string[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = await this.r.all(this.q.selectFrom('flows').select(['id', 'name']).where('workspace_id', '=', workspaceId).where('id', 'in', unique));
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  async loadExecution(id: string): Promise<{ execution: ExecutionRecord; steps: StepRecord[] } | undefined> {
    // Just accepted by this process: the trigger is in hand, the webhook's body need not be read back.
    const handed = this.handOff.take(id);
    const row = (await this.r.allSql<ExecutionRow>(handed === undefined ? SELECT_EXECUTION : SELECT_EXECUTION_ONLY, [id]))[0];
    if (!row) return undefined;
    // Never started: no journal yet (the first step's write also sets started_at), no query needed.
    const steps = row.started_at === null ? [] : (await this.r.allSql<Selectable<ExecutionStepsTable>>(SELECT_STEPS, [id])).map(toStep);
    return { execution: toExecution(row, handed), steps };
  }

  async listSteps(executionId: string): Promise<StepRecord[]> {
    return (await this.r.allSql<Selectable<ExecutionStepsTable>>(SELECT_STEPS, [executionId])).map(toStep);
  }

  async countTransactions(usage: TransactionUsage): Promise<void> {
    if (usage.count <= 0) return;
    await this.db.transaction((tx) => addTransactions(tx, usage));
  }

  async getExecutionStatus(id: string): Promise<ExecutionStatus | undefined> {
    return (await this.r.allSql<{ status: ExecutionStatus }>(SELECT_STATUS, [id]))[0]?.status;
  }

  private async applyExecutionUpdate(tx: Queries, id: string, u: ExecutionUpdate): Promise<void> {
    const set: Partial<Selectable<ExecutionsTable>> = { updated_at: Date.now() };
    if (u.status !== undefined) set.status = u.status;
    if (u.trigger !== undefined) set.trigger = JSON.stringify(u.trigger);
    if (u.error !== undefined) set.error = u.error;
    if (u.errorStep !== undefined) set.error_step = u.errorStep;
    if (u.nextRunAt !== undefined) set.next_run_at = u.nextRunAt;
    if (u.startedAt !== undefined) set.started_at = u.startedAt;
    if (u.finishedAt !== undefined) set.finished_at = u.finishedAt;
    if (u.retries !== undefined) set.retries = u.retries;
    let query = this.q.updateTable('executions').set(set).where('id', '=', id);
    // Cancelling is final: a run still in flight cannot overwrite it.
    if (u.status !== 'cancelled') query = query.where('status', '<>', 'cancelled');
    await tx.run(query);
  }

  async saveStep(step: StepRecord): Promise<void> {
    await upsertStep(this.r, step);
    this.storage.ok();
  }

  async updateExecution(id: string, update: ExecutionUpdate): Promise<void> {
    await this.applyExecutionUpdate(this.r, id, update);
  }

  async saveStepAndExecution(step: StepRecord | null, id: string, update: ExecutionUpdate, usage?: TransactionUsage): Promise<void> {
    if (!step && !usage) return this.updateExecution(id, update);
    await this.db.transaction(async (tx) => {
      if (step) await upsertStep(tx, step);
      await this.applyExecutionUpdate(tx, id, update);
      if (usage) await addTransactions(tx, usage);
    });
    // A journal entry committed: the space it needed is there again (a retried write clears /readyz).
    if (step) this.storage.ok();
  }

  async requeueFailed(workspaceId: string, id: string, now: number, flowVersion?: number): Promise<ExecutionRecord | undefined> {
    const done = await this.db.transaction(async (tx) => {
      const row = await tx.first(this.q.selectFrom('executions').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).forUpdate());
      if (!row || row.status !== 'failed') return false;
      // The failed step runs again; its attempts so far stay in the journal's count.
      await tx.run(this.q.updateTable('execution_steps').set({ status: 'retrying', resume_at: null }).where('execution_id', '=', id).where('status', '=', 'failed'));
      await this.applyExecutionUpdate(tx, id, { status: 'queued', error: null, errorStep: null, nextRunAt: now, finishedAt: null, retries: row.retries + 1 });
      if (flowVersion !== undefined) await tx.run(this.q.updateTable('executions').set({ flow_version: flowVersion }).where('id', '=', id));
      return true;
    });
    return done ? this.getExecution(workspaceId, id) : undefined;
  }

  async listUnfinished(limit: number, touchedBefore = Number.MAX_SAFE_INTEGER): Promise<Array<{ id: string; nextRunAt: number }>> {
    const rows = await this.r.all(
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
    return (await this.r.runSql(CLAIM_ONE, [owner, now + leaseMs, id, now])) > 0;
  }

  async releaseExecution(id: string, owner: string): Promise<void> {
    await this.r.runSql(RELEASE_ONE, [id, owner]);
  }

  async claimPoll(flowId: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    return (await this.r.runSql(CLAIM_POLL, [flowId, now, owner, now + leaseMs])) > 0;
  }

  // ---- polling triggers ----

  async getTriggerCursor(flowId: string): Promise<{ cursor: unknown; lastRunAt: number | null; lastError: string | null } | undefined> {
    const row = await this.r.first(this.q.selectFrom('trigger_state').selectAll().where('flow_id', '=', flowId));
    // A row that only holds a lease (claimPoll) has never been polled: no state yet.
    if (!row || (row.last_run_at === null && row.cursor === null)) return undefined;
    return { cursor: parseJson(row.cursor), lastRunAt: row.last_run_at === null ? null : Number(row.last_run_at), lastError: row.last_error };
  }

  async commitPoll(flowId: string, cursor: unknown, executions: NewExecution[], error: string | null, now: number, usage?: TransactionUsage): Promise<string[]> {
    const cursorText = cursor === undefined ? null : JSON.stringify(cursor);
    return this.db.transaction(async (tx) => {
      const created: string[] = [];
      if (usage) await addTransactions(tx, usage);
      for (const e of executions) if (await insertExecution(tx, e)) created.push(e.id);
      await tx.run(
        this.q
          .insertInto('trigger_state')
          .values({ flow_id: flowId, cursor: cursorText, last_run_at: now, last_error: error, updated_at: now })
          .onConflict((oc) => oc.column('flow_id').doUpdateSet({ cursor: cursorText, last_run_at: now, last_error: error, updated_at: now })),
      );
      return created;
    });
  }
}

/** False when the execution's dedupe key is already taken for its flow (nothing was inserted). */
async function insertExecution(tx: Queries, e: NewExecution): Promise<boolean> {
  return (await tx.runSql(INSERT_EXECUTION, executionValues(e, Date.now()))) > 0;
}

function executionValues(e: NewExecution, now: number): SqlValue[] {
  const trigger = e.triggerFromWebhook && e.webhookId ? TRIGGER_FROM_WEBHOOK : JSON.stringify(e.trigger ?? {});
  return [e.id, e.workspaceId, e.flowId, e.flowVersion, e.webhookId, e.origin, trigger, e.nextRunAt, now, now, e.dedupeKey ?? null];
}

async function upsertStep(tx: Queries, s: StepRecord): Promise<void> {
  await tx.runSql(UPSERT_STEP, stepValues(s));
}

async function addTransactions(tx: Queries, usage: TransactionUsage): Promise<void> {
  if (usage.count <= 0) return;
  if (!usage.dayCounted) await tx.runSql(COUNT_TRANSACTIONS_DAY, [usage.workspaceId, usage.day, usage.count]);
  await tx.runSql(COUNT_TRANSACTIONS_FLOW, [usage.workspaceId, usage.month, usage.flowId, usage.connector, usage.count]);
}

/** `count` rows of `width` placeholders each, numbered from $1, each row followed by `constants`. */
function placeholders(count: number, width: number, constants = ''): string {
  const rows: string[] = [];
  for (let r = 0; r < count; r++) {
    const cells: string[] = [];
    for (let c = 1; c <= width; c++) cells.push(`$${r * width + c}`);
    rows.push(`(${cells.join(',')}${constants})`);
  }
  return rows.join(',');
}

/** A batch of accepted webhooks: three multi-row statements in the batcher's one transaction. */
async function writeWebhooks(tx: Queries, items: readonly WebhookWrite[]): Promise<void> {
  const hooks: SqlValue[] = [];
  for (const { webhook: w, body, raw } of items) {
    hooks.push(w.id, w.workspaceId, w.flowId, w.method, JSON.stringify(w.headers), JSON.stringify(w.query), body, w.bodyKind, w.contentType, w.size, w.ip, w.status, w.error, w.receivedAt, raw);
  }
  await tx.runSql(`INSERT INTO webhooks (${WEBHOOK_COLUMNS}) VALUES ${placeholders(items.length, 15)}`, hooks);

  const now = Date.now();
  const withExecution = items.filter((i) => i.execution !== null);
  if (withExecution.length > 0) {
    const values: SqlValue[] = [];
    const rows = withExecution.map((item, i) => {
      values.push(...executionValues(item.execution!, now));
      return executionRow(i * 11 + 1);
    });
    await tx.runSql(`INSERT INTO executions (${EXECUTION_COLUMNS}) VALUES ${rows.join(',')} ${ON_DEDUPE}`, values);
  }

  // One counter row per (workspace, day), in key order: two batches lock the rows in the same order.
  const counts = new Map<string, { workspaceId: string; day: string; n: number }>();
  for (const { webhook, day } of items) {
    if (day === null) continue;
    const key = `${webhook.workspaceId}\u0000${day}`;
    const c = counts.get(key) ?? { workspaceId: webhook.workspaceId, day, n: 0 };
    c.n++;
    counts.set(key, c);
  }
  const sorted = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
  if (sorted.length === 0) return;
  await tx.runSql(
    `INSERT INTO usage_daily (workspace_id, day, webhooks, transactions) VALUES ${placeholders(sorted.length, 3, ',0')}
     ON CONFLICT (workspace_id, day) DO UPDATE SET webhooks = usage_daily.webhooks + excluded.webhooks`,
    sorted.flatMap((c) => [c.workspaceId, c.day, c.n]),
  );
}
