// Plans, usage, ledger, notifications and retention on PostgreSQL. Quotas are taken under the
// workspace's billing row lock, so processes taking at once never grant more than the quota.
import type { Selectable } from 'kysely';
import type { BalanceLedgerTable, NotificationsTable } from '../schema.ts';
import type { Billing, DiskPrune, DiskPruneResult, LedgerEntry, Notification, PlanStore, QuotaTake, StorageBatch, StorageHour, StorageMeasure, StorageUsage } from '../types.ts';
import { chooseOldest, rowBytesSql, sumBatch, type PruneCandidate, type SizedRow } from '../storage-bytes.ts';
import type { PostgresDatabase, Queries } from './database.ts';
import { STILL_RUNNABLE, triggerOf, type TriggerSource } from '../stored-body.ts';

/** Counting inside the executor's and the poller's own transactions. */
export const COUNT_TRANSACTIONS_DAY = `INSERT INTO usage_daily (workspace_id, day, webhooks, transactions) VALUES ($1, $2, 0, $3)
  ON CONFLICT (workspace_id, day) DO UPDATE SET transactions = usage_daily.transactions + excluded.transactions`;
export const COUNT_TRANSACTIONS_FLOW = `INSERT INTO usage_flow_month (workspace_id, month, flow_id, connector, transactions) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (workspace_id, month, flow_id, connector) DO UPDATE SET transactions = usage_flow_month.transactions + excluded.transactions`;
const COUNT_WEBHOOKS_N = `INSERT INTO usage_daily (workspace_id, day, webhooks, transactions) VALUES ($1, $2, $3, 0)
  ON CONFLICT (workspace_id, day) DO UPDATE SET webhooks = usage_daily.webhooks + excluded.webhooks`;
// The lock every taker of one workspace's quota queues on until its COMMIT: a transaction-scoped
// advisory lock on the workspace id (it needs no row to exist, unlike FOR UPDATE; a hash collision
// only makes two workspaces wait for each other a moment).
const LOCK_QUOTA = "SELECT pg_advisory_xact_lock(hashtext('quota:' || $1))";

export class PostgresPlanStore implements PlanStore {
  private readonly db: PostgresDatabase;

  constructor(db: PostgresDatabase) {
    this.db = db;
  }

  private get q() {
    return this.db.kysely;
  }

  async takeQuota(t: QuotaTake): Promise<{ granted: boolean; used: number }> {
    return this.db.transaction(async (tx) => {
      await lockWorkspaceUsage(tx, t.workspaceId);
      const column = t.kind === 'webhooks' ? 'webhooks' : 'transactions';
      const row = (
        await tx.allSql<{ n: number }>(`SELECT coalesce(sum(${column}), 0) AS n FROM usage_daily WHERE workspace_id = $1 AND day >= $2 AND day <= $3`, [
          t.workspaceId,
          `${t.month}-01`,
          `${t.month}-31`,
        ])
      )[0];
      const used = Number(row?.n ?? 0);
      if (used + t.count > t.limit) return { granted: false, used };
      await tx.runSql(t.kind === 'webhooks' ? COUNT_WEBHOOKS_N : COUNT_TRANSACTIONS_DAY, [t.workspaceId, t.day, t.count]);
      return { granted: true, used: used + t.count };
    });
  }

  async getBilling(workspaceId: string): Promise<Billing | undefined> {
    const row = await this.db.read.first(this.q.selectFrom('workspace_billing').selectAll().where('workspace_id', '=', workspaceId));
    return (
      row && {
        workspaceId: row.workspace_id,
        planId: row.plan_id,
        trialEndsAt: row.trial_ends_at === null ? null : Number(row.trial_ends_at),
        planChangedAt: Number(row.plan_changed_at),
        createdAt: Number(row.created_at),
      }
    );
  }

  async ensureBilling(b: Billing): Promise<Billing> {
    await this.db.read.run(
      this.q
        .insertInto('workspace_billing')
        .values({ workspace_id: b.workspaceId, plan_id: b.planId, trial_ends_at: b.trialEndsAt, plan_changed_at: b.planChangedAt, created_at: b.createdAt })
        .onConflict((oc) => oc.column('workspace_id').doNothing()),
    );
    return (await this.getBilling(b.workspaceId))!;
  }

  async setPlan(workspaceId: string, planId: string, now: number): Promise<void> {
    await this.db.read.run(
      this.q.updateTable('workspace_billing').set({ plan_id: planId, plan_changed_at: now, trial_ends_at: null }).where('workspace_id', '=', workspaceId),
    );
  }

  async usageBetween(workspaceId: string, fromDay: string, toDay: string) {
    const row = await this.db.read.first(
      this.q
        .selectFrom('usage_daily')
        .select((eb) => [
          eb.fn.coalesce(eb.fn.sum<number>('webhooks'), eb.lit(0)).as('webhooks'),
          eb.fn.coalesce(eb.fn.sum<number>('transactions'), eb.lit(0)).as('transactions'),
        ])
        .where('workspace_id', '=', workspaceId)
        .where('day', '>=', fromDay)
        .where('day', '<=', toDay),
    );
    return { webhooks: Number(row?.webhooks ?? 0), transactions: Number(row?.transactions ?? 0) };
  }

  async dailyUsage(workspaceId: string, fromDay: string) {
    return this.db.read.all(
      this.q.selectFrom('usage_daily').select(['day', 'webhooks', 'transactions']).where('workspace_id', '=', workspaceId).where('day', '>=', fromDay).orderBy('day'),
    );
  }

  async transactionsByFlow(workspaceId: string, month: string) {
    const rows = await this.db.read.all(
      this.q
        .selectFrom('usage_flow_month')
        .select(['flow_id', 'connector', 'transactions'])
        .where('workspace_id', '=', workspaceId)
        .where('month', '=', month)
        .orderBy('transactions', 'desc'),
    );
    return rows.map((r) => ({ flowId: r.flow_id, connector: r.connector, transactions: r.transactions }));
  }

  async appendLedger(entries: LedgerEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // One statement: the entries of one call land together or not at all.
    await this.db.read.run(
      this.q.insertInto('balance_ledger').values(
        entries.map((e) => ({
          id: e.id,
          workspace_id: e.workspaceId,
          kind: e.kind,
          amount_kopecks: e.amountKopecks,
          reason: e.reason,
          actor: e.actor,
          created_at: e.createdAt,
        })),
      ),
    );
  }

  async listLedger(workspaceId: string, limit: number): Promise<LedgerEntry[]> {
    const rows = await this.db.read.all(this.q.selectFrom('balance_ledger').selectAll().where('workspace_id', '=', workspaceId).orderBy('id', 'desc').limit(limit));
    return rows.map(toLedger);
  }

  async balance(workspaceId: string): Promise<number> {
    const row = await this.db.read.first(
      this.q
        .selectFrom('balance_ledger')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_kopecks'), eb.lit(0)).as('total'))
        .where('workspace_id', '=', workspaceId),
    );
    return Number(row?.total ?? 0);
  }

  async addNotification(n: Notification): Promise<boolean> {
    const changes = await this.db.read.run(
      this.q
        .insertInto('notifications')
        .values({ id: n.id, workspace_id: n.workspaceId, kind: n.kind, threshold: n.threshold, period: n.period, message_ru: n.messageRu, message_en: n.messageEn, created_at: n.createdAt })
        .onConflict((oc) => oc.columns(['workspace_id', 'kind', 'threshold', 'period']).doNothing()),
    );
    return changes > 0;
  }

  async listNotifications(workspaceId: string, limit: number): Promise<Notification[]> {
    const rows = await this.db.read.all(this.q.selectFrom('notifications').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').limit(limit));
    return rows.map(toNotification);
  }

  async listQuotaExceeded(workspaceId: string, limit: number): Promise<string[]> {
    const rows = await this.db.read.all(
      this.q.selectFrom('executions').select('id').where('workspace_id', '=', workspaceId).where('status', '=', 'quota_exceeded').orderBy('id').limit(limit),
    );
    return rows.map((r) => r.id);
  }

  async pruneWebhooks(workspaceId: string, before: number, batch: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const ids = (
        await tx.allSql<{ id: string }>('SELECT id FROM webhooks WHERE workspace_id = $1 AND received_at < $2 ORDER BY received_at LIMIT $3 FOR UPDATE SKIP LOCKED', [workspaceId, before, batch])
      ).map((r) => r.id);
      if (ids.length === 0) return 0;
      // Executions that may still run (unfinished, or failed and retried by hand) take a copy of
      // their trigger before the webhook it is read from goes; finished ones show none after.
      const keep = await tx.allSql<TriggerSource>(
        `SELECT e.id, w.body AS w_body, w.raw AS w_raw, w.query AS w_query, w.content_type AS w_content_type FROM executions e
         JOIN webhooks w ON w.id = e.webhook_id WHERE e.trigger = '' AND e.webhook_id = ANY($1::text[]) AND e.status IN (${STILL_RUNNABLE}) FOR UPDATE OF e`,
        [ids],
      );
      for (const row of keep) await tx.runSql('UPDATE executions SET trigger = $1 WHERE id = $2', [JSON.stringify(triggerOf(row) ?? {}), row.id]);
      return tx.runSql('DELETE FROM webhooks WHERE id = ANY($1::text[])', [ids]);
    });
  }

  async pruneExecutions(workspaceId: string, before: number, batch: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const ids = (
        await tx.allSql<{ id: string }>(
          // Along executions_ws_time (finished before `before` means created before it): no index
          // has finished_at, so ordering by it read and sorted all the workspace's executions.
          'SELECT id FROM executions WHERE workspace_id = $1 AND created_at < $2 AND finished_at IS NOT NULL AND finished_at < $2 ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED',
          [workspaceId, before, batch],
        )
      ).map((r) => r.id);
      if (ids.length === 0) return 0;
      await tx.all(this.q.deleteFrom('execution_steps').where('execution_id', 'in', ids));
      return tx.run(this.q.deleteFrom('executions').where('id', 'in', ids));
    });
  }

  async oldestWebhookAt(workspaceId: string): Promise<number | null> {
    const row = (await this.db.read.allSql<{ at: number | null }>('SELECT min(received_at) AS at FROM webhooks WHERE workspace_id = $1', [workspaceId]))[0];
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }

  async listWorkspaceIds(): Promise<string[]> {
    return (await this.db.read.all(this.q.selectFrom('workspaces').select('id'))).map((r) => r.id);
  }

  /** PostgreSQL's autovacuum returns free space on its own. */
  async reclaimSpace(): Promise<void> {}

  async storageHours(workspaceId: string): Promise<StorageHour[]> {
    const rows = await this.db.read.allSql<{ hour: number; history_bytes: number; journal_bytes: number; version: number; measured_at: number }>(
      'SELECT hour, history_bytes, journal_bytes, version, measured_at FROM storage_usage WHERE workspace_id = $1 ORDER BY hour',
      [workspaceId],
    );
    return rows.map((r) => ({ workspaceId, hour: Number(r.hour), historyBytes: Number(r.history_bytes), journalBytes: Number(r.journal_bytes), version: Number(r.version), measuredAt: Number(r.measured_at) }));
  }

  async oldestHistoryAt(workspaceId: string): Promise<number | null> {
    const row = (
      await this.db.read.allSql<{ w: number | null; e: number | null }>(
        'SELECT (SELECT min(received_at) FROM webhooks WHERE workspace_id = $1) AS w, (SELECT min(created_at) FROM executions WHERE workspace_id = $1) AS e',
        [workspaceId],
      )
    )[0];
    const times = [row?.w, row?.e].filter((t): t is number => t !== null && t !== undefined).map(Number);
    return times.length === 0 ? null : Math.min(...times);
  }

  async measureStorage(q: StorageMeasure): Promise<StorageBatch> {
    const sqlText = q.rows === 'webhooks' ? MEASURE_WEBHOOKS : MEASURE_EXECUTIONS;
    const rows = await this.db.read.allSql<SizedRow>(sqlText, [q.workspaceId, q.from, q.to, q.batch]);
    const summed = sumBatch(rows, q.batch);
    if (summed) return summed;
    // A whole batch in one millisecond: that millisecond at once (LIMIT NULL is none).
    const at = Number(rows[0].at);
    const all = sumBatch(await this.db.read.allSql<SizedRow>(sqlText, [q.workspaceId, at, at + 1, null]), Infinity)!;
    return { ...all, next: at + 1 < q.to ? at + 1 : null };
  }

  async saveStorageHour(h: Omit<StorageHour, 'version'>, version: number | null): Promise<boolean> {
    const changes =
      version === null
        ? await this.db.read.runSql(
            `INSERT INTO storage_usage (workspace_id, hour, history_bytes, journal_bytes, version, measured_at) VALUES ($1, $2, $3, $4, 1, $5)
             ON CONFLICT (workspace_id, hour) DO NOTHING`,
            [h.workspaceId, h.hour, h.historyBytes, h.journalBytes, h.measuredAt],
          )
        : await this.db.read.runSql(
            'UPDATE storage_usage SET history_bytes = $1, journal_bytes = $2, measured_at = $3, version = version + 1 WHERE workspace_id = $4 AND hour = $5 AND version = $6',
            [h.historyBytes, h.journalBytes, h.measuredAt, h.workspaceId, h.hour, version],
          );
    return changes > 0;
  }

  async forgetStorageBefore(workspaceId: string, hour: number): Promise<void> {
    await this.db.read.runSql('DELETE FROM storage_usage WHERE workspace_id = $1 AND hour < $2', [workspaceId, hour]);
  }

  async storageUsage(workspaceId: string): Promise<StorageUsage> {
    const row = (
      await this.db.read.allSql<{ h: number; j: number; m: number | null; s: number | null }>(
        `SELECT coalesce(sum(history_bytes), 0) AS h, coalesce(sum(journal_bytes), 0) AS j, max(measured_at) AS m,
         (SELECT bytes FROM collection_usage WHERE workspace_id = $1) AS s FROM storage_usage WHERE workspace_id = $1`,
        [workspaceId],
      )
    )[0];
    return { historyBytes: Number(row.h), journalBytes: Number(row.j), storeBytes: Number(row.s ?? 0), measuredAt: row.m === null ? null : Number(row.m) };
  }

  async pruneOverLimit(q: DiskPrune): Promise<DiskPruneResult> {
    return this.db.transaction(async (tx) => {
      // One decider per workspace at a time: processes pruning at once never delete more than needed.
      await tx.allSql("SELECT pg_advisory_xact_lock(hashtext('storage:' || $1))", [q.workspaceId]);
      const total = (await tx.allSql<{ n: number }>('SELECT coalesce(sum(history_bytes + journal_bytes), 0) AS n FROM storage_usage WHERE workspace_id = $1', [q.workspaceId]))[0];
      const excess = Number(total.n) - q.limitBytes;
      if (excess <= 0) return { webhooks: 0, executions: 0, bytes: 0, overBy: excess, more: false };
      const window = [q.workspaceId, q.hour, q.hour + HOUR_MS, q.batch];
      const picked = chooseOldest(await tx.allSql<PruneCandidate>(PRUNABLE_EXECUTIONS, window), await tx.allSql<PruneCandidate>(PRUNABLE_WEBHOOKS, window), q.batch, excess);
      if (picked.executions.length > 0) {
        await tx.runSql('DELETE FROM execution_steps WHERE execution_id = ANY($1::text[])', [picked.executions]);
        await tx.runSql('DELETE FROM executions WHERE id = ANY($1::text[])', [picked.executions]);
      }
      if (picked.webhooks.length > 0) await tx.runSql('DELETE FROM webhooks WHERE id = ANY($1::text[])', [picked.webhooks]);
      await tx.runSql(
        'UPDATE storage_usage SET history_bytes = greatest(0, history_bytes - $1), journal_bytes = greatest(0, journal_bytes - $2), version = version + 1 WHERE workspace_id = $3 AND hour = $4',
        [picked.historyBytes, picked.journalBytes, q.workspaceId, q.hour],
      );
      const bytes = picked.historyBytes + picked.journalBytes;
      return { webhooks: picked.webhooks.length, executions: picked.executions.length, bytes, overBy: excess - bytes, more: picked.more };
    });
  }
}

const HOUR_MS = 3_600_000;
const WEBHOOK_BYTES = rowBytesSql('postgres', 'webhooks', 'w');
const EXECUTION_BYTES = rowBytesSql('postgres', 'executions', 'e');
const JOURNAL_BYTES = `(SELECT coalesce(sum(${rowBytesSql('postgres', 'execution_steps', 's')}), 0) FROM execution_steps s WHERE s.execution_id = e.id)`;
// In time order along the (workspace_id, time) indexes, so a batch reads only its own rows.
const MEASURE_WEBHOOKS = `SELECT w.received_at AS at, ${WEBHOOK_BYTES} AS h, 0 AS j FROM webhooks w
  WHERE w.workspace_id = $1 AND w.received_at >= $2 AND w.received_at < $3 ORDER BY w.received_at LIMIT $4`;
const MEASURE_EXECUTIONS = `SELECT e.created_at AS at, ${EXECUTION_BYTES} AS h, ${JOURNAL_BYTES} AS j FROM executions e
  WHERE e.workspace_id = $1 AND e.created_at >= $2 AND e.created_at < $3 ORDER BY e.created_at LIMIT $4`;
const PRUNABLE_EXECUTIONS = `SELECT e.id, e.webhook_id AS webhook, e.created_at AS at, ${EXECUTION_BYTES} AS h, ${JOURNAL_BYTES} AS j FROM executions e
  WHERE e.workspace_id = $1 AND e.created_at >= $2 AND e.created_at < $3 AND e.status NOT IN (${STILL_RUNNABLE})
  ORDER BY e.created_at LIMIT $4 FOR UPDATE OF e SKIP LOCKED`;
// A webhook stays while an execution that may still run reads its trigger from it (both ways an
// execution refers to its webhook have an index: the intake's unique one, and trigger = '').
const PRUNABLE_WEBHOOKS = `SELECT w.id, w.received_at AS at, ${WEBHOOK_BYTES} AS h, 0 AS j FROM webhooks w
  WHERE w.workspace_id = $1 AND w.received_at >= $2 AND w.received_at < $3
  AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.webhook_id = w.id AND e.origin = 'webhook' AND e.status IN (${STILL_RUNNABLE}))
  AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.webhook_id = w.id AND e.trigger = '' AND e.status IN (${STILL_RUNNABLE}))
  ORDER BY w.received_at LIMIT $4 FOR UPDATE OF w SKIP LOCKED`;

/** Serialises quota takers of one workspace for the rest of the transaction. */
async function lockWorkspaceUsage(tx: Queries, workspaceId: string): Promise<void> {
  await tx.allSql(LOCK_QUOTA, [workspaceId]);
}

function toLedger(r: Selectable<BalanceLedgerTable>): LedgerEntry {
  return { id: r.id, workspaceId: r.workspace_id, kind: r.kind, amountKopecks: Number(r.amount_kopecks), reason: r.reason, actor: r.actor, createdAt: Number(r.created_at) };
}

function toNotification(r: Selectable<NotificationsTable>): Notification {
  return { id: r.id, workspaceId: r.workspace_id, kind: r.kind, threshold: r.threshold, period: r.period, messageRu: r.message_ru, messageEn: r.message_en, createdAt: Number(r.created_at) };
}
