// Schema migrations, written with Kysely's schema builder so SQLite and PostgreSQL share them:
// the same names and the same tables and columns on both (`svyazka db copy` relies on it). Where a
// dialect needs its own SQL (the change feed's triggers, an auto-increment key), the migration asks
// which one it runs on.
import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';
import { CHANGE_SOURCES, SETTINGS_SOURCE, sqliteChangeTriggers, type ChangeSource } from './sqlite/change-triggers.ts';
import { postgresChangeTriggers } from './postgres/change-triggers.ts';

const ms = 'bigint' as const;

function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

function changeTriggers(db: Kysely<unknown>, source: ChangeSource): string[] {
  return isPostgres(db) ? postgresChangeTriggers(source) : sqliteChangeTriggers(source);
}

export const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('workspaces')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('members')
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('members_pk', ['workspace_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('user_id', 'text')
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('last_used_at', ms)
        .addColumn('revoked_at', ms)
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('expires_at', ms, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('connections')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('connector', 'text', (c) => c.notNull())
        .addColumn('public_config', 'text', (c) => c.notNull())
        .addColumn('sealed_auth', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addUniqueConstraint('connections_name_uq', ['workspace_id', 'name'])
        .execute();
      await db.schema
        .createTable('flows')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('hook_token', 'text', (c) => c.unique())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addUniqueConstraint('flows_name_uq', ['workspace_id', 'name'])
        .execute();
      await db.schema
        .createTable('flow_versions')
        .addColumn('flow_id', 'text', (c) => c.notNull().references('flows.id').onDelete('cascade'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('flow_versions_pk', ['flow_id', 'version'])
        .execute();
      await db.schema
        .createTable('webhooks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('flow_id', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('headers', 'text', (c) => c.notNull())
        .addColumn('query', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('body_kind', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text')
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('ip', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('received_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhooks_ws_time').on('webhooks').columns(['workspace_id', 'received_at']).execute();
      await db.schema.createIndex('webhooks_flow_time').on('webhooks').columns(['flow_id', 'received_at']).execute();
      await db.schema
        .createTable('executions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('flow_id', 'text', (c) => c.notNull())
        .addColumn('flow_version', 'integer', (c) => c.notNull())
        .addColumn('webhook_id', 'text')
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('error_step', 'text')
        .addColumn('retries', 'integer', (c) => c.notNull())
        .addColumn('next_run_at', ms, (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('started_at', ms)
        .addColumn('finished_at', ms)
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();
      // One execution per (webhook, flow) for intake delivery; replays add more.
      await db.schema
        .createIndex('executions_webhook_uq')
        .on('executions')
        .columns(['webhook_id', 'flow_id'])
        .unique()
        .where(sql.ref('origin'), '=', 'webhook')
        .execute();
      await db.schema.createIndex('executions_ws_time').on('executions').columns(['workspace_id', 'created_at']).execute();
      await db.schema.createIndex('executions_flow_time').on('executions').columns(['flow_id', 'created_at']).execute();
      await db.schema.createIndex('executions_pending').on('executions').columns(['status', 'next_run_at']).execute();
      await db.schema
        .createTable('execution_steps')
        .addColumn('execution_id', 'text', (c) => c.notNull())
        .addColumn('step_id', 'text', (c) => c.notNull())
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('input', 'text')
        .addColumn('output', 'text')
        .addColumn('error', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('transactions', 'integer', (c) => c.notNull())
        .addColumn('resume_at', ms)
        .addColumn('started_at', ms, (c) => c.notNull())
        .addColumn('finished_at', ms)
        .addPrimaryKeyConstraint('execution_steps_pk', ['execution_id', 'step_id'])
        .execute();
      await db.schema
        .createTable('trigger_state')
        .addColumn('flow_id', 'text', (c) => c.primaryKey())
        .addColumn('cursor', 'text')
        .addColumn('last_run_at', ms)
        .addColumn('last_error', 'text')
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();
    },
  },
  '0002_plans': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('workspace_billing')
        .addColumn('workspace_id', 'text', (c) => c.primaryKey())
        .addColumn('plan_id', 'text', (c) => c.notNull())
        .addColumn('trial_ends_at', ms)
        .addColumn('plan_changed_at', ms, (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('usage_daily')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('webhooks', 'integer', (c) => c.notNull())
        .addColumn('transactions', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_daily_pk', ['workspace_id', 'day'])
        .execute();
      await db.schema
        .createTable('usage_flow_month')
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('month', 'text', (c) => c.notNull())
        .addColumn('flow_id', 'text', (c) => c.notNull())
        .addColumn('connector', 'text', (c) => c.notNull())
        .addColumn('transactions', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_flow_month_pk', ['workspace_id', 'month', 'flow_id', 'connector'])
        .execute();
      await db.schema
        .createTable('balance_ledger')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('amount_kopecks', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('balance_ledger_ws').on('balance_ledger').columns(['workspace_id', 'created_at']).execute();
      await db.schema
        .createTable('notifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('threshold', 'integer', (c) => c.notNull())
        .addColumn('period', 'text', (c) => c.notNull())
        .addColumn('message_ru', 'text', (c) => c.notNull())
        .addColumn('message_en', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addUniqueConstraint('notifications_once', ['workspace_id', 'kind', 'threshold', 'period'])
        .execute();
    },
  },
  '0003_workspace_settings': {
    async up(db: Kysely<unknown>) {
      // One column per statement: SQLite adds a single column per ALTER TABLE.
      await db.schema.alterTable('workspaces').addColumn('timezone', 'text', (c) => c.notNull().defaultTo('Europe/Moscow')).execute();
      await db.schema.alterTable('workspaces').addColumn('locale', 'text', (c) => c.notNull().defaultTo('ru')).execute();
    },
  },
  '0004_change_feed': {
    async up(db: Kysely<unknown>) {
      // SQLite: AUTOINCREMENT never hands a seq out twice, even after pruning; PostgreSQL: a sequence.
      await db.schema
        .createTable('change_feed')
        .addColumn('seq', isPostgres(db) ? 'bigserial' : 'integer', (c) => (isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('workspace_id', 'text')
        .addColumn('entity_id', 'text')
        .addColumn('at', ms, (c) => c.notNull())
        .execute();
      // The triggers that fill it are dialect SQL (sqlite/ and postgres/change-triggers.ts).
      for (const source of CHANGE_SOURCES) for (const ddl of changeTriggers(db, source)) await sql.raw(ddl).execute(db);
    },
  },
  '0006_variables': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('variables')
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('sealed_value', 'text', (c) => c.notNull())
        .addColumn('secret', 'integer', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('variables_pk', ['workspace_id', 'name'])
        .execute();
      // A step's real output, sealed, when the journal's copy has secret values masked: a resumed
      // execution (retry backoff, delay, restart) goes on with the real values.
      await db.schema.alterTable('execution_steps').addColumn('sealed_output', 'text').execute();
    },
  },
  '0007_audit': {
    async up(db: Kysely<unknown>) {
      // Append-only; not pruned with the webhook history.
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text')
        .addColumn('at', ms, (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('actor_label', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target_type', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text')
        .addColumn('target_name', 'text')
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .execute();
      await db.schema.createIndex('audit_log_ws').on('audit_log').columns(['workspace_id', 'id']).execute();
    },
  },
  '0005_access': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('operators')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('created_at', ms, (c) => c.notNull())
        .execute();
      // An existing install: its earliest user (the first admin) becomes the operator.
      await sql`INSERT INTO operators (user_id, created_at) SELECT id, created_at FROM users ORDER BY created_at, id LIMIT 1`.execute(db);
      await db.schema
        .createTable('instance_settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('invitations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('invited_by', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('expires_at', ms, (c) => c.notNull())
        .addUniqueConstraint('invitations_once', ['workspace_id', 'email'])
        .execute();
      await db.schema.createIndex('invitations_email').on('invitations').column('email').execute();
    },
  },
  '0008_change_feed_settings': {
    async up(db: Kysely<unknown>) {
      // The instance settings are cached by every server too; their table came after 0004.
      for (const ddl of changeTriggers(db, SETTINGS_SOURCE)) await sql.raw(ddl).execute(db);
    },
  },
  '0009_dedupe': {
    async up(db: Kysely<unknown>) {
      // A trigger event's stable id (TriggerEvent.dedupeKey): one execution per event and flow, so a
      // poll that sees an event twice starts it once. Replays and manual runs carry none.
      await db.schema.alterTable('executions').addColumn('dedupe_key', 'text').execute();
      await sql`CREATE UNIQUE INDEX executions_dedupe ON executions (flow_id, dedupe_key) WHERE dedupe_key IS NOT NULL`.execute(db);
    },
  },
  '0010_claims': {
    async up(db: Kysely<unknown>) {
      // Several workers (distributed mode) claim work by a lease: who holds it and until when. An
      // expired lease (its worker died) can be claimed again; a live one never twice.
      await db.schema.alterTable('executions').addColumn('claimed_by', 'text').execute();
      await db.schema.alterTable('executions').addColumn('claimed_until', ms).execute();
      await db.schema.alterTable('trigger_state').addColumn('claimed_by', 'text').execute();
      await db.schema.alterTable('trigger_state').addColumn('claimed_until', ms).execute();
    },
  },
  '0011_collections': {
    async up(db: Kysely<unknown>) {
      // The workspace data store (`store` steps, /api/v1/collections). Keys compare bytewise on
      // both databases, so a prefix search is an index range and pages come in the same order.
      await db.schema
        .createTable('collection_records')
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('collection', 'text', (c) => c.notNull())
        .addColumn('key', isPostgres(db) ? sql`text collate "C"` : 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('expires_at', ms)
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('collection_records_pk', ['workspace_id', 'collection', 'key'])
        .execute();
      // The TTL sweep walks only records that expire.
      await sql`CREATE INDEX collection_records_ttl ON collection_records (expires_at) WHERE expires_at IS NOT NULL`.execute(db);
      await db.schema
        .createTable('collection_usage')
        .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
        .addColumn('records', 'bigint', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();
    },
  },
  '0012_circuits': {
    async up(db: Kysely<unknown>) {
      // A service's circuit per connection (or per host for requests without one), shared by every
      // process; transitions are compare-and-set on `version`.
      await db.schema
        .createTable('circuits')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('connection_id', 'text')
        .addColumn('connector', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('since', ms, (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('probe_interval_ms', ms, (c) => c.notNull())
        .addColumn('next_probe_at', ms, (c) => c.notNull())
        .addColumn('probe_owner', 'text')
        .addColumn('probe_until', ms)
        .addColumn('probes', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('circuits_ws').on('circuits').columns(['workspace_id', 'connection_id']).execute();
      // Executions parked on an open circuit; drained oldest first.
      await db.schema
        .createTable('circuit_waits')
        .addColumn('execution_id', 'text', (c) => c.primaryKey())
        .addColumn('circuit_key', 'text', (c) => c.notNull())
        .addColumn('workspace_id', 'text', (c) => c.notNull())
        .addColumn('step_id', 'text', (c) => c.notNull())
        .addColumn('since', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('circuit_waits_order').on('circuit_waits').columns(['circuit_key', 'since', 'execution_id']).execute();
    },
  },
  '0013_alerts': {
    async up(db: Kysely<unknown>) {
      // Failure and notice alerts by e-mail and Telegram (src/alerts): a workspace's settings, the
      // channel secrets sealed apart from them, and what was last sent, so a restart neither
      // repeats nor skips a message.
      await db.schema
        .createTable('alert_settings')
        .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('sealed_secrets', 'text')
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('alert_state')
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('alert_state_pk', ['workspace_id', 'key'])
        .execute();
      // The dispatcher counts failures finished in a time range; both dialects take a partial index.
      await sql`CREATE INDEX executions_failed ON executions (workspace_id, finished_at) WHERE status = 'failed'`.execute(db);
    },
  },
  '0014_body_once': {
    async up(db: Kysely<unknown>) {
      // A webhook's exact bytes, coded (store/stored-body.ts); its `body` is then '' and is parsed
      // from them when read. Rows from before keep their JSON `body` and no `raw`, and executions
      // keep their own `trigger` copy: both still read as they did.
      await db.schema.alterTable('webhooks').addColumn('raw', isPostgres(db) ? 'bytea' : 'blob').execute();
      // Retention finds the executions that read their trigger from a webhook it is about to delete.
      await sql`CREATE INDEX executions_trigger_webhook ON executions (webhook_id) WHERE trigger = ''`.execute(db);
    },
  },
  '0017_unfinished_index': {
    async up(db: Kysely<unknown>) {
      // The sweeper looks for unfinished executions only; finished ones (nearly every row) no longer
      // carry an entry they never need: ~29 bytes per execution on SQLite.
      await sql`DROP INDEX executions_pending`.execute(db);
      // The list must read exactly as UNFINISHED_SQL_LIST (schema.ts) for queries to use the index.
      await sql`CREATE INDEX executions_unfinished ON executions (next_run_at)
        WHERE status IN ('queued','running','waiting','retrying','quota_exceeded','waiting_for_service')`.execute(db);
    },
  },
  '0015_storage_usage': {
    async up(db: Kysely<unknown>) {
      // Bytes of history (webhooks, executions) and journals (execution_steps) per workspace and
      // hour, measured off the write path (src/plans/storage-usage.ts): /usage sums them and the
      // disk limit of a plan (src/plans/disk-limit.ts) subtracts what it deletes. A cache of what
      // the tables hold, so `svyazka db copy` may copy it or not: the next measure rebuilds it.
      await db.schema
        .createTable('storage_usage')
        .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
        .addColumn('hour', ms, (c) => c.notNull())
        .addColumn('history_bytes', 'bigint', (c) => c.notNull())
        .addColumn('journal_bytes', 'bigint', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('measured_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('storage_usage_pk', ['workspace_id', 'hour'])
        .execute();
    },
  },
};
