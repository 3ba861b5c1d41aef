// Table shapes shared by every store implementation (Kysely's database type).
// Times are milliseconds since the epoch; JSON columns hold text.
import type { Generated } from 'kysely';

export type Role = 'owner' | 'editor' | 'viewer';

/** Language of a workspace's messages and UI. */
export type Locale = 'ru' | 'en';

export type ExecutionStatus =
  | 'queued'
  | 'running'
  | 'waiting'
  | 'retrying'
  | 'succeeded'
  | 'failed'
  | 'filtered'
  | 'stopped'
  | 'cancelled'
  | 'quota_exceeded'
  /** Its service's circuit is open: parked unsent until the service answers again (0012_circuits). */
  | 'waiting_for_service';

export const UNFINISHED_STATUSES: readonly ExecutionStatus[] = ['queued', 'running', 'waiting', 'retrying', 'quota_exceeded', 'waiting_for_service'];
/**
 * The same statuses as an SQL list of literals. Queries that should use the partial index of
 * unfinished executions (executions_unfinished) must say exactly this: neither SQLite nor a
 * PostgreSQL generic plan can prove a partial index's condition from bound parameters. A new
 * status needs a migration that makes the index again with the new list.
 */
export const UNFINISHED_SQL_LIST = UNFINISHED_STATUSES.map((s) => `'${s}'`).join(',');

export type StepStatus = 'succeeded' | 'failed' | 'retrying' | 'waiting' | 'passed' | 'filtered' | 'not_found' | 'skipped';

export type WebhookStatus = 'accepted' | 'no_enabled_flow' | 'invalid';

export interface WorkspacesTable {
  id: string;
  slug: string;
  name: string;
  created_at: number;
  /** IANA time zone for days and months shown to people ('Europe/Moscow' unless changed). */
  timezone: Generated<string>;
  locale: Generated<Locale>;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: number;
}

export interface MembersTable {
  workspace_id: string;
  user_id: string;
  role: Role;
  created_at: number;
}

export interface ApiTokensTable {
  id: string;
  workspace_id: string;
  user_id: string | null;
  role: Role;
  name: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

export interface ConnectionsTable {
  id: string;
  workspace_id: string;
  name: string;
  connector: string;
  /** Non-secret auth values, shown in the UI. */
  public_config: string;
  /** AES-256-GCM sealed JSON of every auth value. */
  sealed_auth: string;
  created_at: number;
  updated_at: number;
}

export interface FlowsTable {
  id: string;
  workspace_id: string;
  name: string;
  enabled: number;
  definition: string;
  version: number;
  hook_token: string | null;
  created_at: number;
  updated_at: number;
}

export interface FlowVersionsTable {
  flow_id: string;
  version: number;
  definition: string;
  created_at: number;
}

export interface WebhooksTable {
  id: string;
  workspace_id: string;
  flow_id: string;
  method: string;
  headers: string;
  query: string;
  body: string;
  body_kind: string;
  content_type: string | null;
  size: number;
  ip: string | null;
  status: WebhookStatus;
  error: string | null;
  received_at: number;
  /** The exact bytes that arrived, coded by store/stored-body.ts; `body` is '' then (0014_body_once). */
  raw: Generated<Uint8Array | null>;
}

export interface ExecutionsTable {
  id: string;
  workspace_id: string;
  flow_id: string;
  flow_version: number;
  webhook_id: string | null;
  origin: 'webhook' | 'replay' | 'poll' | 'schedule' | 'manual';
  status: ExecutionStatus;
  /** JSON, or '' when it is its webhook's body with the query merged in (store/stored-body.ts). */
  trigger: string;
  error: string | null;
  error_step: string | null;
  retries: number;
  next_run_at: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
  /** The trigger event's stable id; unique per flow (migration 0009_dedupe). */
  dedupe_key: string | null;
  /** Who holds the lease on it and until when (epoch ms): several workers never run it at once (0010_claims). */
  claimed_by: Generated<string | null>;
  claimed_until: Generated<number | null>;
}

export interface ExecutionStepsTable {
  execution_id: string;
  step_id: string;
  idx: number;
  type: string;
  status: StepStatus;
  /** JSON text; on SQLite long entries are packed bytes (src/store/compression.ts packText). */
  input: string | Uint8Array | null;
  output: string | Uint8Array | null;
  error: string | null;
  attempts: number;
  transactions: number;
  resume_at: number | null;
  started_at: number;
  finished_at: number | null;
  /** The real output sealed (SecretBox) when `output` has secret variables masked; else null. */
  sealed_output: string | null;
}

export interface TriggerStateTable {
  flow_id: string;
  cursor: string | null;
  last_run_at: number | null;
  last_error: string | null;
  updated_at: number;
  /** The worker polling it and until when (0010_claims). */
  claimed_by: Generated<string | null>;
  claimed_until: Generated<number | null>;
}

export interface WorkspaceBillingTable {
  workspace_id: string;
  plan_id: string;
  trial_ends_at: number | null;
  plan_changed_at: number;
  created_at: number;
}

export interface UsageDailyTable {
  workspace_id: string;
  /** YYYY-MM-DD, Moscow time. */
  day: string;
  webhooks: number;
  transactions: number;
}

export interface UsageFlowMonthTable {
  workspace_id: string;
  /** YYYY-MM, Moscow time. */
  month: string;
  flow_id: string;
  connector: string;
  transactions: number;
}

export interface BalanceLedgerTable {
  id: string;
  workspace_id: string;
  kind: 'top_up' | 'cashback' | 'plan_charge' | 'adjustment';
  amount_kopecks: number;
  reason: string;
  actor: string;
  created_at: number;
}

export interface NotificationsTable {
  id: string;
  workspace_id: string;
  /** `circuit`: a connection's service went down (threshold 0) or came back (1); period names the outage. `disk`: the plan's historyBytes. */
  kind: 'webhooks' | 'transactions' | 'circuit' | 'disk';
  threshold: number;
  period: string;
  message_ru: string;
  message_en: string;
  created_at: number;
}

export interface AuditLogTable {
  id: string;
  workspace_id: string | null;
  at: number;
  actor: string;
  actor_label: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  target_name: string | null;
  /** JSON text. */
  details: string;
  ip: string | null;
}

/** A workspace variable: `{{vars.NAME}}` in templates. The value is sealed (SecretBox) whether secret or not. */
export interface VariablesTable {
  workspace_id: string;
  name: string;
  sealed_value: string;
  /** 1: the value is never shown again after saving, and is masked in journals and logs. */
  secret: number;
  created_at: number;
  updated_at: number;
}

/** A workspace's alert settings (src/alerts): JSON without secrets; the SMTP password and bot token sealed apart. */
export interface AlertSettingsTable {
  workspace_id: string;
  /** JSON text. */
  settings: string;
  /** SecretBox-sealed JSON of the channel secrets, or null. */
  sealed_secrets: string | null;
  updated_at: number;
}

/** What the alert dispatcher last sent, per workspace and key (a flow's failures, the notices cursor, …). */
export interface AlertStateTable {
  workspace_id: string;
  key: string;
  /** JSON text. */
  value: string;
  updated_at: number;
}

/** A record of a workspace's data store (`store` steps): `key → value` in a named collection (0011_collections). */
export interface CollectionRecordsTable {
  workspace_id: string;
  collection: string;
  /** Compared bytewise on both databases (PostgreSQL: COLLATE "C"), so prefix search and paging agree. */
  key: string;
  /** JSON text, at most 64 KB. */
  value: string;
  /** Epoch ms after which the record reads as absent (the retention sweep deletes it); null: never. */
  expires_at: number | null;
  created_at: number;
  updated_at: number;
}

/** Per workspace: records and bytes (key + value, UTF-8) its collections hold, kept in each write's transaction. */
export interface CollectionUsageTable {
  workspace_id: string;
  records: number;
  bytes: number;
  updated_at: number;
}

/** Bytes of a workspace's webhooks and executions (history) and their steps (journals) of one hour (0015_storage_usage). */
export interface StorageUsageTable {
  workspace_id: string;
  /** Epoch ms of the hour's start: webhooks received and executions created in it. */
  hour: number;
  history_bytes: number;
  journal_bytes: number;
  /** Every write increments it: a measure writes only over the version it started from. */
  version: number;
  measured_at: number;
}

export interface OperatorsTable {
  user_id: string;
  created_at: number;
}

export interface InstanceSettingsTable {
  key: string;
  /** JSON text. */
  value: string;
  updated_at: number;
}

export interface InvitationsTable {
  id: string;
  workspace_id: string;
  email: string;
  role: Role;
  invited_by: string;
  created_at: number;
  expires_at: number;
}

export interface ChangeFeedTable {
  seq: Generated<number>;
  kind: 'flow' | 'connection' | 'billing' | 'ledger' | 'settings';
  workspace_id: string | null;
  entity_id: string | null;
  at: number;
}

/** A service's circuit (per connection, or per host for requests without one): 0012_circuits. */
export interface CircuitsTable {
  key: string;
  workspace_id: string;
  connection_id: string | null;
  connector: string;
  /** What people see: the connection's name, or the host. */
  label: string;
  state: 'closed' | 'open' | 'half_open';
  /** When it last opened. */
  since: number;
  /** The failure that opened it (no secrets: the HTTP client's redacted message). */
  reason: string | null;
  probe_interval_ms: number;
  next_probe_at: number;
  probe_owner: string | null;
  probe_until: number | null;
  /** Probes sent since it opened. */
  probes: number;
  /** Every change increments it: transitions are compare-and-set across processes. */
  version: number;
  updated_at: number;
}

/** An execution parked on an open circuit, in arrival order. */
export interface CircuitWaitsTable {
  execution_id: string;
  circuit_key: string;
  workspace_id: string;
  /** The step that waits (an action, or the trigger's prepare). */
  step_id: string;
  since: number;
}

export interface MigrationsLockTable {
  id: Generated<number>;
}

export interface Database {
  workspaces: WorkspacesTable;
  change_feed: ChangeFeedTable;
  users: UsersTable;
  operators: OperatorsTable;
  instance_settings: InstanceSettingsTable;
  invitations: InvitationsTable;
  members: MembersTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  connections: ConnectionsTable;
  flows: FlowsTable;
  flow_versions: FlowVersionsTable;
  webhooks: WebhooksTable;
  executions: ExecutionsTable;
  execution_steps: ExecutionStepsTable;
  trigger_state: TriggerStateTable;
  workspace_billing: WorkspaceBillingTable;
  usage_daily: UsageDailyTable;
  usage_flow_month: UsageFlowMonthTable;
  balance_ledger: BalanceLedgerTable;
  notifications: NotificationsTable;
  audit_log: AuditLogTable;
  variables: VariablesTable;
  circuits: CircuitsTable;
  circuit_waits: CircuitWaitsTable;
  alert_settings: AlertSettingsTable;
  alert_state: AlertStateTable;
  collection_records: CollectionRecordsTable;
  collection_usage: CollectionUsageTable;
  storage_usage: StorageUsageTable;
}

/**
 * Every table, parents before children (the order `svyazka db copy` fills them in). The check below
 * fails the typecheck when a table is added to Database and not here.
 */
export const TABLES = [
  'workspaces',
  'users',
  'members',
  'api_tokens',
  'sessions',
  'operators',
  'instance_settings',
  'invitations',
  'connections',
  'flows',
  'flow_versions',
  'webhooks',
  'executions',
  'execution_steps',
  'trigger_state',
  'workspace_billing',
  'usage_daily',
  'usage_flow_month',
  'balance_ledger',
  'notifications',
  'audit_log',
  'variables',
  'circuits',
  'circuit_waits',
  'alert_settings',
  'alert_state',
  'collection_records',
  'collection_usage',
  'storage_usage',
  'change_feed',
] as const satisfies ReadonlyArray<keyof Database>;

type Unlisted = Exclude<keyof Database, (typeof TABLES)[number]>;
const everyTableListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyTableListed;
