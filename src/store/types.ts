// The store seam: every part talks to the database through this interface. The SQLite
// implementation (src/store/sqlite) is the embedded default; PostgreSQL implements the same.
import type { ExecutionStatus, Locale, Role, StepStatus, WebhookStatus } from './schema.ts';
import type { CircuitStore } from './circuit-store.ts';
import type { CollectionRecord, CollectionSummary, CollectionWriteRequest, CollectionWriteResult, ListOptions } from './collections.ts';
import type { StorageState } from './storage-errors.ts';

export type { ExecutionStatus, Locale, Role, StepStatus, WebhookStatus };

export interface Workspace {
  id: string;
  slug: string;
  name: string;
  /** IANA time zone name; 'Europe/Moscow' by default. */
  timezone: string;
  locale: Locale;
  createdAt: number;
}

export interface WorkspaceSettings {
  name?: string;
  timezone?: string;
  locale?: Locale;
}

export interface User {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  createdAt: number;
}

export interface Principal {
  userId: string | null;
  tokenId: string | null;
  /** Workspaces this principal may act in, with its role in each. */
  roles: ReadonlyMap<string, Role>;
  /**
   * An instance operator (changes plans and balances, sees every workspace). Only a signed-in
   * operator user's session has it; API tokens never do (they are scoped to one workspace).
   */
  operator: boolean;
}

export interface ApiToken {
  id: string;
  workspaceId: string;
  userId: string | null;
  role: Role;
  name: string;
}

/** A token as listed to its workspace's owners: never its secret or hash. */
export interface ApiTokenInfo extends ApiToken {
  createdAt: number;
  /** Email of the user it was created for, when it was. */
  createdByEmail: string | null;
}

export interface Connection {
  id: string;
  workspaceId: string;
  name: string;
  connector: string;
  publicConfig: Record<string, unknown>;
  sealedAuth: string;
  createdAt: number;
  updatedAt: number;
}

export interface FlowRecord {
  id: string;
  workspaceId: string;
  name: string;
  enabled: boolean;
  /** The flow JSON as saved (validated by the engine before it gets here). */
  definition: unknown;
  version: number;
  hookToken: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface FlowStats {
  lastExecution: { id: string; status: ExecutionStatus; at: number } | null;
  executionsToday: number;
  errorsToday: number;
  transactionsMonth: number;
}

export interface HookTarget {
  flowId: string;
  workspaceId: string;
  enabled: boolean;
  version: number;
}

export interface WebhookRecord {
  id: string;
  workspaceId: string;
  flowId: string;
  method: string;
  headers: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  bodyKind: string;
  contentType: string | null;
  size: number;
  ip: string | null;
  status: WebhookStatus;
  error: string | null;
  receivedAt: number;
  /** The body exactly as it arrived, as text; null for webhooks stored before 0014_body_once and for invalid ones. */
  rawText?: string | null;
}

export interface ExecutionRecord {
  id: string;
  workspaceId: string;
  flowId: string;
  flowVersion: number;
  webhookId: string | null;
  origin: 'webhook' | 'replay' | 'poll' | 'schedule' | 'manual';
  status: ExecutionStatus;
  trigger: unknown;
  error: string | null;
  errorStep: string | null;
  retries: number;
  nextRunAt: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
}

export interface StepRecord {
  executionId: string;
  stepId: string;
  idx: number;
  type: string;
  status: StepStatus;
  input: unknown;
  output: unknown;
  error: string | null;
  attempts: number;
  transactions: number;
  resumeAt: number | null;
  startedAt: number;
  finishedAt: number | null;
  /** The real output, sealed, when `output` has secret variables masked (never shown by the API). */
  sealedOutput?: string | null;
}

export interface NewExecution {
  id: string;
  workspaceId: string;
  flowId: string;
  flowVersion: number;
  webhookId: string | null;
  origin: ExecutionRecord['origin'];
  trigger: unknown;
  /**
   * `trigger` is its webhook's body with the query merged in (intake, replay): the store keeps no
   * copy and derives it from the webhook row when read.
   */
  triggerFromWebhook?: boolean;
  nextRunAt: number;
  /** The trigger event's stable id: a second execution of the same flow with the same key is not created. */
  dedupeKey?: string | null;
}

export interface NewWebhook extends Omit<WebhookRecord, 'id'> {
  id: string;
  /** The exact bytes that arrived: stored (coded) instead of `body`, which is parsed from them when read. */
  raw?: Uint8Array;
}

export interface Page<T> {
  items: T[];
  /** Pass as `before` to get the next (older) page; null at the end. */
  next: string | null;
}

export interface WebhookFilter {
  flowId?: string;
  status?: WebhookStatus;
  from?: number;
  to?: number;
  before?: string;
  limit: number;
}

export interface ExecutionFilter {
  flowId?: string;
  status?: ExecutionStatus;
  webhookId?: string;
  /** Created at or after (epoch ms). */
  from?: number;
  /** Created before (epoch ms). */
  to?: number;
  before?: string;
  limit: number;
}

export interface ExecutionUpdate {
  status?: ExecutionStatus;
  trigger?: unknown;
  error?: string | null;
  errorStep?: string | null;
  nextRunAt?: number;
  startedAt?: number;
  finishedAt?: number | null;
  retries?: number;
}

/** Transactions a step made, counted in the same write as its journal entry. */
export interface TransactionUsage {
  workspaceId: string;
  flowId: string;
  connector: string;
  count: number;
  day: string;
  month: string;
  /** Already counted on the day by PlanStore.takeQuota (exact quotas): only the per-flow figure is added. */
  dayCounted?: boolean;
}

export interface Billing {
  workspaceId: string;
  planId: string;
  trialEndsAt: number | null;
  planChangedAt: number;
  createdAt: number;
}

export interface LedgerEntry {
  id: string;
  workspaceId: string;
  kind: 'top_up' | 'cashback' | 'plan_charge' | 'adjustment';
  amountKopecks: number;
  reason: string;
  actor: string;
  createdAt: number;
}

export interface Notification {
  id: string;
  workspaceId: string;
  kind: 'webhooks' | 'transactions' | 'circuit' | 'disk';
  threshold: number;
  period: string;
  messageRu: string;
  messageEn: string;
  createdAt: number;
}

/** A workspace variable as stored: the value sealed, bound to (workspace, name). */
export interface StoredVariable {
  workspaceId: string;
  name: string;
  sealedValue: string;
  secret: boolean;
  createdAt: number;
  updatedAt: number;
}

/** Workspace variables (`{{vars.NAME}}`); sealing and opening is the engine's (engine/variables.ts). */
export interface VariableStore {
  list(workspaceId: string): Promise<StoredVariable[]>;
  get(workspaceId: string, name: string): Promise<StoredVariable | undefined>;
  /** Creates or replaces the workspace's variable of that name. */
  put(v: { workspaceId: string; name: string; sealedValue: string; secret: boolean }, now: number): Promise<StoredVariable>;
  delete(workspaceId: string, name: string): Promise<boolean>;
}

/** A workspace's alert settings as stored (src/alerts reads and seals them; the store never opens them). */
export interface StoredAlertSettings {
  workspaceId: string;
  settings: unknown;
  sealedSecrets: string | null;
  updatedAt: number;
}

/** Failed executions of one flow in a time range, for one grouped alert. */
export interface FlowFailures {
  flowId: string;
  count: number;
  /** The newest few, newest first. */
  samples: Array<{ id: string; error: string | null; errorStep: string | null; finishedAt: number }>;
}

/** Alert settings and the dispatcher's durable memory of what it sent (src/alerts). */
export interface AlertStore {
  getSettings(workspaceId: string): Promise<StoredAlertSettings | undefined>;
  putSettings(s: { workspaceId: string; settings: unknown; sealedSecrets: string | null }, now: number): Promise<StoredAlertSettings>;
  /** Every workspace that has settings (the dispatcher's round). */
  listSettings(): Promise<StoredAlertSettings[]>;
  getState(workspaceId: string, key: string): Promise<unknown>;
  putState(workspaceId: string, key: string, value: unknown, now: number): Promise<void>;
  deleteState(workspaceId: string, key: string): Promise<void>;
  /** Failed executions that finished in (after, until], per flow. */
  failuresBetween(workspaceId: string, after: number, until: number): Promise<FlowFailures[]>;
  /** The workspace's flows whose last poll failed. */
  failingPolls(workspaceId: string): Promise<Array<{ flowId: string; error: string; lastRunAt: number | null }>>;
}

/**
 * The workspace data store (`store` steps, /api/v1/collections): named collections of `key → JSON
 * value`, each write atomic, expired records reading as absent. Types and rules: store/collections.ts.
 */
export interface CollectionStore {
  /** The live record, or undefined (absent or expired at `now`). */
  get(workspaceId: string, collection: string, key: string, now: number): Promise<CollectionRecord | undefined>;
  /** One atomic write (with the step's journal entry when given); throws CollectionError, changing nothing, when refused. */
  write(request: CollectionWriteRequest): Promise<CollectionWriteResult>;
  /** Live records in key order from after `after`, optionally only keys starting with `prefix`; `next` is the last key when more follow. */
  list(workspaceId: string, collection: string, opts: ListOptions, now: number): Promise<{ items: CollectionRecord[]; next: string | null }>;
  /** The workspace's collections that hold live records, by name. */
  listCollections(workspaceId: string, now: number): Promise<CollectionSummary[]>;
  /** Records and bytes the workspace's collections hold (expired ones until swept). */
  usage(workspaceId: string): Promise<{ records: number; bytes: number }>;
  /** Deletes up to `batch` records expired at `now` (any workspace); returns how many. */
  sweepExpired(now: number, batch: number): Promise<number>;
}

/** Part of a monthly quota taken in one atomic step (exact when several processes take at once). */
export interface QuotaTake {
  workspaceId: string;
  kind: 'webhooks' | 'transactions';
  /** YYYY-MM-DD the usage is counted on. */
  day: string;
  /** YYYY-MM whose days are summed against `limit`. */
  month: string;
  count: number;
  limit: number;
}

/** Plans, usage counters, the balance ledger, notifications and retention. */
export interface PlanStore {
  /**
   * Counts `count` on `day` when the month's usage plus it stays within `limit`; otherwise counts
   * nothing. `used` is the month's usage after the call. Concurrent takers of one workspace are
   * serialised, so no more than `limit` is ever granted.
   */
  takeQuota(take: QuotaTake): Promise<{ granted: boolean; used: number }>;
  getBilling(workspaceId: string): Promise<Billing | undefined>;
  /** Creates the billing row if missing (a new workspace's trial); returns the stored one. */
  ensureBilling(billing: Billing): Promise<Billing>;
  setPlan(workspaceId: string, planId: string, now: number): Promise<void>;
  /** Sums for days `fromDay`..`toDay` inclusive (YYYY-MM-DD). */
  usageBetween(workspaceId: string, fromDay: string, toDay: string): Promise<{ webhooks: number; transactions: number }>;
  dailyUsage(workspaceId: string, fromDay: string): Promise<Array<{ day: string; webhooks: number; transactions: number }>>;
  transactionsByFlow(workspaceId: string, month: string): Promise<Array<{ flowId: string; connector: string; transactions: number }>>;
  /** Append-only; entries of one call are written together. */
  appendLedger(entries: LedgerEntry[]): Promise<void>;
  listLedger(workspaceId: string, limit: number): Promise<LedgerEntry[]>;
  balance(workspaceId: string): Promise<number>;
  /** Inserts unless the same (workspace, kind, threshold, period) exists; true when inserted. */
  addNotification(n: Notification): Promise<boolean>;
  listNotifications(workspaceId: string, limit: number): Promise<Notification[]>;
  listQuotaExceeded(workspaceId: string, limit: number): Promise<string[]>;
  /** Deletes up to `batch` webhooks received before `before`; returns how many. */
  pruneWebhooks(workspaceId: string, before: number, batch: number): Promise<number>;
  /** Deletes up to `batch` finished executions (and their journals) finished before `before`. */
  pruneExecutions(workspaceId: string, before: number, batch: number): Promise<number>;
  oldestWebhookAt(workspaceId: string): Promise<number | null>;
  listWorkspaceIds(): Promise<string[]>;
  /** Returns free pages to the file system, a few at a time (SQLite: incremental vacuum). */
  reclaimSpace(pages: number): Promise<void>;

  // Disk usage per workspace (src/plans/storage-usage.ts, src/plans/disk-limit.ts).
  /** The workspace's measured hours, oldest first. */
  storageHours(workspaceId: string): Promise<StorageHour[]>;
  /** When the workspace's oldest webhook was received or oldest execution created; null when it has neither. */
  oldestHistoryAt(workspaceId: string): Promise<number | null>;
  /** Bytes of the next batch of rows in a window of one hour (webhooks by received_at; executions by created_at, their steps as journal). */
  measureStorage(q: StorageMeasure): Promise<StorageBatch>;
  /** Stores a measured hour unless it changed since `version` was read (null: it did not exist yet); false when it had. */
  saveStorageHour(h: Omit<StorageHour, 'version'>, version: number | null): Promise<boolean>;
  /** Forgets the workspace's hours before `hour`: nothing that old is stored any more. */
  forgetStorageBefore(workspaceId: string, hour: number): Promise<void>;
  /** The workspace's measured bytes, its data store's (that store's own count) and when it was last measured. */
  storageUsage(workspaceId: string): Promise<StorageUsage>;
  /** One batch of the disk limit: see DiskPrune. */
  pruneOverLimit(q: DiskPrune): Promise<DiskPruneResult>;
}

/** One hour of a workspace's history (webhooks, executions) and journals (their steps), in bytes. */
export interface StorageHour {
  workspaceId: string;
  /** Epoch ms of the hour's start: webhooks received and executions created in it. */
  hour: number;
  historyBytes: number;
  journalBytes: number;
  /** Incremented by every write, so a measure never writes over a subtraction made meanwhile. */
  version: number;
  measuredAt: number;
}

export interface StorageMeasure {
  workspaceId: string;
  rows: 'webhooks' | 'executions';
  /** The batch starts here (epoch ms, inclusive)… */
  from: number;
  /** …and the window ends here (exclusive). */
  to: number;
  batch: number;
}

/** Bytes of the rows in [from, next); `next` null: the window is done. */
export interface StorageBatch {
  historyBytes: number;
  journalBytes: number;
  next: number | null;
}

export interface StorageUsage {
  historyBytes: number;
  journalBytes: number;
  /** The data store's bytes (keys and values), as it counts them itself. */
  storeBytes: number;
  /** null: never measured. */
  measuredAt: number | null;
}

/**
 * While the workspace's history and journals exceed `limitBytes`, delete just enough of the oldest
 * of one hour — finished executions (not failed: those may be retried) with their steps, and webhooks
 * no runnable execution reads its trigger from — and subtract their bytes from the hour, all in one
 * transaction. Never an unfinished or failed execution, nor the webhook it needs.
 */
export interface DiskPrune {
  workspaceId: string;
  /** The hour (epoch ms of its start) to delete from. */
  hour: number;
  limitBytes: number;
  batch: number;
}

export interface DiskPruneResult {
  webhooks: number;
  executions: number;
  bytes: number;
  /** Bytes still over the limit after the batch (≤ 0: under it). */
  overBy: number;
  /** The hour may hold more that can go. */
  more: boolean;
}

/** Who made a change: a user (id, email at the time), an API token (`token:<id>`, its name) or the CLI (OS user). */
export interface AuditActor {
  /** A user id, `token:<id>`, `cli` or `system`. */
  id: string;
  /** Email of the user, name of the token, OS user name of the CLI — as they were then. */
  label: string | null;
}

export interface AuditTarget {
  type: string;
  id: string | null;
  name: string | null;
}

export interface AuditEntry {
  id: string;
  /** null for instance-level events (a user's own password, operator settings). */
  workspaceId: string | null;
  at: number;
  actor: AuditActor;
  /** `flow.create`, `connection.rename`, `member.role`, … */
  action: string;
  target: AuditTarget;
  /** Small JSON, never a secret. */
  details: Record<string, unknown>;
  ip: string | null;
}

export interface AuditFilter {
  /** Only these workspaces; undefined means every workspace (the operator's view). */
  workspaceIds?: readonly string[];
  actor?: string;
  /** `flow` matches `flow.create`, `flow.delete`, …; `flow.create` matches itself. */
  actionPrefix?: string;
  targetType?: string;
  targetId?: string;
  from?: number;
  to?: number;
  before?: string;
  limit: number;
}

/** The audit log: append-only (no update or delete), never pruned with the webhook history. */
export interface AuditStore {
  append(entry: Omit<AuditEntry, 'id'> & { id?: string }): Promise<AuditEntry>;
  /** Newest first; `next` is the `before` of the following page. */
  list(filter: AuditFilter): Promise<Page<AuditEntry>>;
}

/** A pending invitation into a workspace, by email (the account may not exist yet). */
export interface Invitation {
  id: string;
  workspaceId: string;
  /** Lower-case. */
  email: string;
  role: Role;
  /** User id (or `token:<id>`) of who invited. */
  invitedBy: string;
  createdAt: number;
  expiresAt: number;
}

/** A workspace as the operator's list shows it. */
export interface WorkspaceSummary extends Workspace {
  members: number;
}

/** Instance-level access: operators, instance settings (raw JSON values), invitations. */
export interface AccessStore {
  isOperator(userId: string): Promise<boolean>;
  /** Grants the operator role; no-op when already granted. */
  addOperator(userId: string, now: number): Promise<void>;
  /** Refuses (changes nothing) when it is the last operator. */
  removeOperator(userId: string): Promise<'removed' | 'not_operator' | 'last_operator'>;
  listOperators(): Promise<Array<{ userId: string; email: string; name: string; since: number }>>;
  countUsers(): Promise<number>;
  readSettings(): Promise<Record<string, unknown>>;
  /** Upserts the given keys (values stored as JSON). */
  writeSettings(values: Record<string, unknown>, now: number): Promise<void>;
  listAllWorkspaces(): Promise<WorkspaceSummary[]>;
  /** One pending invitation per (workspace, email): a second one replaces the first. */
  saveInvitation(invitation: Invitation): Promise<Invitation>;
  getInvitation(id: string): Promise<Invitation | undefined>;
  /** Pending (not expired) invitations of the workspace, newest first. */
  listWorkspaceInvitations(workspaceId: string, now: number): Promise<Invitation[]>;
  /** Pending (not expired) invitations for the email, newest first. */
  listInvitationsFor(email: string, now: number): Promise<Invitation[]>;
  deleteInvitation(id: string): Promise<boolean>;
  /** Makes the user a member with the invitation's role and deletes the invitation, in one write. */
  acceptInvitation(id: string, userId: string, now: number): Promise<boolean>;
}

/** What a change-feed row is about (the table it came from). */
export type ChangeKind = 'flow' | 'connection' | 'billing' | 'ledger' | 'settings';

export interface ChangeRecord {
  seq: number;
  kind: ChangeKind;
  workspaceId: string | null;
  entityId: string | null;
  at: number;
}

/**
 * The change feed: a row per change to flows, connections, billing and the ledger, written in the
 * change's own transaction by whoever made it, so every process can drop what it cached.
 */
export interface ChangeStore {
  /** The newest seq now; 0 when the feed is empty. */
  lastSeq(): Promise<number>;
  /** Changes after `seq`, oldest first. */
  since(seq: number, limit: number): Promise<ChangeRecord[]>;
  /** Deletes rows recorded before `before` (epoch ms); returns how many. */
  prune(before: number): Promise<number>;
}

export interface Store {
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Whether the disk is full, as the last writes found it (storage-errors.ts). */
  readonly storage: StorageState;

  // workspaces, users, access
  ensureWorkspace(slug: string, name: string): Promise<Workspace>;
  createWorkspace(slug: string, name: string): Promise<Workspace>;
  getWorkspace(id: string): Promise<Workspace | undefined>;
  getWorkspaceBySlug(slug: string): Promise<Workspace | undefined>;
  listWorkspaces(ids: readonly string[]): Promise<Workspace[]>;
  updateWorkspace(id: string, settings: WorkspaceSettings): Promise<Workspace | undefined>;
  createUser(user: { email: string; name: string; passwordHash: string }): Promise<User>;
  getUser(id: string): Promise<User | undefined>;
  getUserByEmail(email: string): Promise<User | undefined>;
  setUserPassword(userId: string, passwordHash: string): Promise<void>;
  setMember(workspaceId: string, userId: string, role: Role): Promise<void>;
  /**
   * Takes the user out of the workspace and revokes the API tokens made for them there, in one
   * write; refuses (changes nothing) when they are its only owner.
   */
  removeMember(workspaceId: string, userId: string): Promise<'removed' | 'not_found' | 'last_owner'>;
  listMembers(workspaceId: string): Promise<Array<{ userId: string; email: string; name: string; role: Role }>>;
  rolesOfUser(userId: string): Promise<Map<string, Role>>;
  createApiToken(token: { workspaceId: string; userId: string | null; role: Role; name: string; tokenHash: string }): Promise<ApiToken>;
  findApiToken(tokenHash: string): Promise<ApiToken | undefined>;
  /** The workspace's tokens that still work, newest first. */
  listApiTokens(workspaceId: string): Promise<ApiTokenInfo[]>;
  revokeApiToken(workspaceId: string, id: string, now: number): Promise<boolean>;
  createSession(session: { idHash: string; userId: string; expiresAt: number }): Promise<void>;
  findSessionUser(idHash: string, now: number): Promise<string | undefined>;
  deleteSession(idHash: string): Promise<void>;
  /** Ends every session of the user except `keepIdHash` (the one that asked, when given). */
  deleteUserSessions(userId: string, keepIdHash: string | null): Promise<void>;

  // connections
  saveConnection(c: Omit<Connection, 'createdAt' | 'updatedAt'>): Promise<Connection>;
  getConnection(workspaceId: string, id: string): Promise<Connection | undefined>;
  getConnectionByName(workspaceId: string, name: string): Promise<Connection | undefined>;
  listConnections(workspaceId: string): Promise<Connection[]>;
  deleteConnection(workspaceId: string, id: string): Promise<boolean>;

  // flows
  saveFlow(f: { id: string; workspaceId: string; name: string; enabled: boolean; definition: unknown; hookToken: string | null }): Promise<FlowRecord>;
  getFlow(workspaceId: string, id: string): Promise<FlowRecord | undefined>;
  getFlowByName(workspaceId: string, name: string): Promise<FlowRecord | undefined>;
  listFlows(workspaceId: string): Promise<FlowRecord[]>;
  listEnabledFlows(): Promise<FlowRecord[]>;
  setFlowEnabled(workspaceId: string, id: string, enabled: boolean): Promise<FlowRecord | undefined>;
  deleteFlow(workspaceId: string, id: string): Promise<boolean>;
  findHookTarget(token: string): Promise<HookTarget | undefined>;
  getFlowDefinition(flowId: string, version: number): Promise<unknown>;

  // webhooks in
  /** Stores the webhook and, when given, its execution in one durable write. */
  /**
   * Gives a running execution its event's dedupe key once it is known (a webhook trigger's
   * `prepare`): null when it now holds the key, else the id of the flow's execution that already
   * does (this one is then a repeat of that event).
   */
  claimDedupeKey(executionId: string, flowId: string, key: string): Promise<string | null>;
  /** Stores a webhook (and its execution) and counts it on `day`; null: admission counted it already (takeQuota). */
  acceptWebhook(webhook: NewWebhook, execution: NewExecution | null, day: string | null): Promise<void>;
  listWebhooks(workspaceId: string, filter: WebhookFilter): Promise<Page<WebhookRecord>>;
  getWebhook(workspaceId: string, id: string): Promise<WebhookRecord | undefined>;

  // executions
  createExecution(e: NewExecution): Promise<void>;
  getExecution(workspaceId: string, id: string): Promise<ExecutionRecord | undefined>;
  listExecutions(workspaceId: string, filter: ExecutionFilter): Promise<Page<ExecutionRecord>>;
  loadExecution(id: string): Promise<{ execution: ExecutionRecord; steps: StepRecord[] } | undefined>;
  listSteps(executionId: string): Promise<StepRecord[]>;
  getExecutionStatus(id: string): Promise<ExecutionStatus | undefined>;
  saveStep(step: StepRecord): Promise<void>;
  updateExecution(id: string, update: ExecutionUpdate): Promise<void>;
  /** Saves the step and updates the execution in one durable write. */
  saveStepAndExecution(step: StepRecord | null, id: string, update: ExecutionUpdate, usage?: TransactionUsage): Promise<void>;
  /** Counts transactions spent outside an execution (a test run against the real account). */
  countTransactions(usage: TransactionUsage): Promise<void>;
  /**
   * A failed step's journal entry is reset and the execution queued again; with `flowVersion`,
   * it goes on with that version of its flow.
   */
  requeueFailed(workspaceId: string, id: string, now: number, flowVersion?: number): Promise<ExecutionRecord | undefined>;
  /** Per flow: its newest execution, executions and failed ones since `since`, transactions counted for `month`. */
  flowStats(workspaceId: string, flowIds: readonly string[], since: number, month: string): Promise<Map<string, FlowStats>>;
  /** Names of the workspace's flows among `ids` (deleted ones are missing). */
  flowNames(workspaceId: string, ids: readonly string[]): Promise<Map<string, string>>;
  /** Unfinished executions last touched before `touchedBefore` (all of them at start-up). */
  listUnfinished(limit: number, touchedBefore?: number): Promise<Array<{ id: string; nextRunAt: number }>>;

  // polling triggers
  getTriggerCursor(flowId: string): Promise<{ cursor: unknown; lastRunAt: number | null; lastError: string | null } | undefined>;
  /** Stores new executions and the new cursor together: an event is never lost nor doubled. */
  /** Stores the cursor and the new executions in one write; resolves to the ids of those created (a known dedupe key creates none). */
  commitPoll(flowId: string, cursor: unknown, executions: NewExecution[], error: string | null, now: number, usage?: TransactionUsage): Promise<string[]>;

  // leases, for work several workers may take (distributed mode: the BullMQ worker holds an
  // execution's lease while it runs it, the scheduler a poll trigger's while it polls)
  /** Takes or renews (for its holder) the lease on one unfinished execution; false when another holds it. */
  claimExecution(id: string, owner: string, now: number, leaseMs: number): Promise<boolean>;
  /** Gives the lease up (its holder only). */
  releaseExecution(id: string, owner: string): Promise<void>;
  /** Takes or renews the lease on polling one flow's trigger; false when another worker holds it. */
  claimPoll(flowId: string, owner: string, now: number, leaseMs: number): Promise<boolean>;

  plans: PlanStore;
  changes: ChangeStore;
  access: AccessStore;
  audit: AuditStore;
  variables: VariableStore;
  /** Services' circuits and the executions waiting on them (engine/outbound/circuit-breaker.ts). */
  circuits: CircuitStore;
  collections: CollectionStore;
  alerts: AlertStore;
}
