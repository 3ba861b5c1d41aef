// Plans, usage, ledger, notifications and retention on the embedded SQLite database.
import type { Selectable } from 'kysely';
import type { BalanceLedgerTable, NotificationsTable } from '../schema.ts';
import type { Billing, DiskPrune, DiskPruneResult, LedgerEntry, Notification, PlanStore, QuotaTake, StorageBatch, StorageHour, StorageMeasure, StorageUsage } from '../types.ts';
import { chooseOldest, rowBytesSql, sumBatch, type PruneCandidate, type SizedRow } from '../storage-bytes.ts';
import type { SqliteDatabase } from './database.ts';
import { STILL_RUNNABLE, triggerOf, type TriggerSource } from '../stored-body.ts';

/**
 * Counting inside the intake's and the executor's own writes, no extra round trip: upserts taking
 * the row's key and then the number to add (SqliteDatabase.count sums a batch's per row).
 */
export const COUNT_WEBHOOKS = `INSERT INTO usage_daily (workspace_id, day, webhooks, transactions) VALUES (?, ?, ?, 0)
  ON CONFLICT (workspace_id, day) DO UPDATE SET webhooks = webhooks + excluded.webhooks`;
export const COUNT_TRANSACTIONS_DAY = `INSERT INTO usage_daily (workspace_id, day, webhooks, transactions) VALUES (?, ?, 0, ?)
  ON CONFLICT (workspace_id, day) DO UPDATE SET transactions = transactions + excluded.transactions`;
export const COUNT_TRANSACTIONS_FLOW = `INSERT INTO usage_flow_month (workspace_id, month, flow_id, connector, transactions) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (workspace_id, month, flow_id, connector) DO UPDATE SET transactions = transactions + excluded.transactions`;

/**
 * Retention's batch of finished executions, along executions_ws_time: an execution finishes after
 * it is created, so one finished before the cut was created before it. Sorted by finished_at (no
 * index has it), each batch read and sorted all the workspace's executions: 0.4 s at 1 M rows.
 */
export const PRUNABLE_BY_AGE =
  'SELECT id FROM executions WHERE workspace_id = ? AND created_at < ? AND finished_at IS NOT NULL AND finished_at < ? ORDER BY created_at LIMIT ?';
/** Bytes one step of reclaimSpace gives back: ~1 ms, when no checkpoint falls in it. */
const VACUUM_STEP_BYTES = 256 * 1024;

export class SqlitePlanStore implements PlanStore {
  private readonly db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.db = db;
  }

  private get q() {
    return this.db.kysely;
  }

  /** Built on first use: the page size is the file's once it exists. */
  private storageSqlCache: ReturnType<typeof storageQueries> | null = null;
  private get storageSql() {
    return (this.storageSqlCache ??= storageQueries(Number(this.db.allSql<{ page_size: number }>('PRAGMA page_size', [])[0].page_size)));
  }

  async takeQuota(t: QuotaTake): Promise<{ granted: boolean; used: number }> {
    // One writer at a time (the group commit): the read and the count cannot interleave with another
    // taker's; the counts of the batch so far are written before the read.
    return this.db.write(() => {
      const column = t.kind === 'webhooks' ? 'webhooks' : 'transactions';
      const row = this.db.allSql<{ n: number }>(
        `SELECT coalesce(sum(${column}), 0) AS n FROM usage_daily WHERE workspace_id = ? AND day >= ? AND day <= ?`,
        [t.workspaceId, `${t.month}-01`, `${t.month}-31`],
      )[0];
      const used = Number(row?.n ?? 0);
      if (used + t.count > t.limit) return { granted: false, used };
      this.db.runSql(t.kind === 'webhooks' ? COUNT_WEBHOOKS : COUNT_TRANSACTIONS_DAY, [t.workspaceId, t.day, t.count]);
      return { granted: true, used: used + t.count };
    }, { readsCounters: true });
  }

  async getBilling(workspaceId: string): Promise<Billing | undefined> {
    const row = this.db.first(this.q.selectFrom('workspace_billing').selectAll().where('workspace_id', '=', workspaceId));
    return row && { workspaceId: row.workspace_id, planId: row.plan_id, trialEndsAt: row.trial_ends_at === null ? null : Number(row.trial_ends_at), planChangedAt: Number(row.plan_changed_at), createdAt: Number(row.created_at) };
  }

  async ensureBilling(b: Billing): Promise<Billing> {
    await this.db.write(() =>
      this.db.run(
        this.q
          .insertInto('workspace_billing')
          .values({ workspace_id: b.workspaceId, plan_id: b.planId, trial_ends_at: b.trialEndsAt, plan_changed_at: b.planChangedAt, created_at: b.createdAt })
          .onConflict((oc) => oc.column('workspace_id').doNothing()),
      ),
    );
    return (await this.getBilling(b.workspaceId))!;
  }

  async setPlan(workspaceId: string, planId: string, now: number): Promise<void> {
    await this.db.write(() =>
      this.db.run(this.q.updateTable('workspace_billing').set({ plan_id: planId, plan_changed_at: now, trial_ends_at: null }).where('workspace_id', '=', workspaceId)),
    );
  }

  async usageBetween(workspaceId: string, fromDay: string, toDay: string) {
    const row = this.db.first(
      this.q
        .selectFrom('usage_daily')
        .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('webhooks'), eb.lit(0)).as('webhooks'), eb.fn.coalesce(eb.fn.sum<number>('transactions'), eb.lit(0)).as('transactions')])
        .where('workspace_id', '=', workspaceId)
        .where('day', '>=', fromDay)
        .where('day', '<=', toDay),
    );
    return { webhooks: Number(row?.webhooks ?? 0), transactions: Number(row?.transactions ?? 0) };
  }

  async dailyUsage(workspaceId: string, fromDay: string) {
    return this.db.all(
      this.q.selectFrom('usage_daily').select(['day', 'webhooks', 'transactions']).where('workspace_id', '=', workspaceId).where('day', '>=', fromDay).orderBy('day'),
    );
  }

  async transactionsByFlow(workspaceId: string, month: string) {
    return this.db
      .all(
        this.q
          .selectFrom('usage_flow_month')
          .select(['flow_id', 'connector', 'transactions'])
          .where('workspace_id', '=', workspaceId)
          .where('month', '=', month)
          .orderBy('transactions', 'desc'),
      )
      .map((r) => ({ flowId: r.flow_id, connector: r.connector, transactions: r.transactions }));
  }

  async appendLedger(entries: LedgerEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.write(() => {
      for (const e of entries) {
        this.db.run(
          this.q.insertInto('balance_ledger').values({
            id: e.id,
            workspace_id: e.workspaceId,
            kind: e.kind,
            amount_kopecks: e.amountKopecks,
            reason: e.reason,
            actor: e.actor,
            created_at: e.createdAt,
          }),
        );
      }
    });
  }

  async listLedger(workspaceId: string, limit: number): Promise<LedgerEntry[]> {
    return this.db
      .all(this.q.selectFrom('balance_ledger').selectAll().where('workspace_id', '=', workspaceId).orderBy('id', 'desc').limit(limit))
      .map(toLedger);
  }

  async balance(workspaceId: string): Promise<number> {
    const row = this.db.first(
      this.q.selectFrom('balance_ledger').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_kopecks'), eb.lit(0)).as('total')).where('workspace_id', '=', workspaceId),
    );
    return Number(row?.total ?? 0);
  }

  async addNotification(n: Notification): Promise<boolean> {
    const changes = await this.db.write(() =>
      this.db.run(
        this.q
          .insertInto('notifications')
          .values({ id: n.id, workspace_id: n.workspaceId, kind: n.kind, threshold: n.threshold, period: n.period, message_ru: n.messageRu, message_en: n.messageEn, created_at: n.createdAt })
          .onConflict((oc) => oc.columns(['workspace_id', 'kind', 'threshold', 'period']).doNothing()),
      ),
    );
    return changes > 0;
  }

  async listNotifications(workspaceId: string, limit: number): Promise<Notification[]> {
    return this.db
      .all(this.q.selectFrom('notifications').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').limit(limit))
      .map(toNotification);
  }

  async listQuotaExceeded(workspaceId: string, limit: number): Promise<string[]> {
    return this.db
      .all(this.q.selectFrom('executions').select('id').where('workspace_id', '=', workspaceId).where('status', '=', 'quota_exceeded').orderBy('id').limit(limit))
      .map((r) => r.id);
  }

  async pruneWebhooks(workspaceId: string, before: number, batch: number): Promise<number> {
    return this.db.write(() => {
      const ids = this.db
        .allSql<{ id: string }>('SELECT id FROM webhooks WHERE workspace_id = ? AND received_at < ? ORDER BY received_at LIMIT ?', [workspaceId, before, batch])
        .map((r) => r.id);
      if (ids.length === 0) return 0;
      const marks = ids.map(() => '?').join(',');
      // Executions that may still run (unfinished, or failed and retried by hand) take a copy of
      // their trigger before the webhook it is read from goes; finished ones show none after.
      const keep = this.db.allSql<TriggerSource>(
        `SELECT e.id, w.body AS w_body, w.raw AS w_raw, w.query AS w_query, w.content_type AS w_content_type FROM executions e
         JOIN webhooks w ON w.id = e.webhook_id WHERE e.trigger = '' AND e.webhook_id IN (${marks}) AND e.status IN (${STILL_RUNNABLE})`,
        ids,
      );
      for (const row of keep) this.db.runSql('UPDATE executions SET trigger = ? WHERE id = ?', [JSON.stringify(triggerOf(row) ?? {}), row.id]);
      return this.db.runSql(`DELETE FROM webhooks WHERE id IN (${marks})`, ids);
    });
  }

  async pruneExecutions(workspaceId: string, before: number, batch: number): Promise<number> {
    return this.db.write(() => {
      const ids = this.db.allSql<{ id: string }>(PRUNABLE_BY_AGE, [workspaceId, before, before, batch]).map((r) => r.id);
      if (ids.length === 0) return 0;
      const marks = ids.map(() => '?').join(',');
      this.db.runSql(`DELETE FROM execution_steps WHERE execution_id IN (${marks})`, ids);
      return this.db.runSql(`DELETE FROM executions WHERE id IN (${marks})`, ids);
    });
  }

  async oldestWebhookAt(workspaceId: string): Promise<number | null> {
    const row = this.db.allSql<{ at: number | null }>('SELECT min(received_at) AS at FROM webhooks WHERE workspace_id = ?', [workspaceId])[0];
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }

  async listWorkspaceIds(): Promise<string[]> {
    return this.db.all(this.q.selectFrom('workspaces').select('id')).map((r) => r.id);
  }

  async reclaimSpace(pages: number): Promise<void> {
    // Each page given back moves a live one from the end of the file into its place (through the
    // WAL), holding the connection: a few at a time, queued writes first, and after each step as
    // long again for them. The 1.4 GB a first run on 1 M webhooks frees is ~30 s of such work.
    const pageSize = Number(this.db.allSql<{ page_size: number }>('PRAGMA page_size', [])[0].page_size);
    const step = Math.max(1, Math.floor(VACUUM_STEP_BYTES / pageSize));
    for (let left = Math.floor(pages); left > 0; left -= step) {
      await this.db.write(() => undefined);
      if (Number(this.db.allSql<{ freelist_count: number }>('PRAGMA freelist_count', [])[0].freelist_count) === 0) return;
      const started = performance.now();
      this.db.raw.exec(`PRAGMA incremental_vacuum(${Math.min(left, step)})`);
      await new Promise((r) => setTimeout(r, performance.now() - started));
    }
  }

  async storageHours(workspaceId: string): Promise<StorageHour[]> {
    return this.db
      .allSql<{ hour: number; history_bytes: number; journal_bytes: number; version: number; measured_at: number }>(
        'SELECT hour, history_bytes, journal_bytes, version, measured_at FROM storage_usage WHERE workspace_id = ? ORDER BY hour',
        [workspaceId],
      )
      .map((r) => ({ workspaceId, hour: Number(r.hour), historyBytes: Number(r.history_bytes), journalBytes: Number(r.journal_bytes), version: Number(r.version), measuredAt: Number(r.measured_at) }));
  }

  async oldestHistoryAt(workspaceId: string): Promise<number | null> {
    const row = this.db.allSql<{ w: number | null; e: number | null }>(
      'SELECT (SELECT min(received_at) FROM webhooks WHERE workspace_id = ?) AS w, (SELECT min(created_at) FROM executions WHERE workspace_id = ?) AS e',
      [workspaceId, workspaceId],
    )[0];
    const times = [row?.w, row?.e].filter((t): t is number => t !== null && t !== undefined).map(Number);
    return times.length === 0 ? null : Math.min(...times);
  }

  async measureStorage(q: StorageMeasure): Promise<StorageBatch> {
    const sqlText = q.rows === 'webhooks' ? this.storageSql.measureWebhooks : this.storageSql.measureExecutions;
    const rows = this.db.allSql<SizedRow>(sqlText, [q.workspaceId, q.from, q.to, q.batch]);
    const summed = sumBatch(rows, q.batch);
    if (summed) return summed;
    // A whole batch in one millisecond: that millisecond at once (LIMIT -1 is none).
    const at = Number(rows[0].at);
    const all = sumBatch(this.db.allSql<SizedRow>(sqlText, [q.workspaceId, at, at + 1, -1]), Infinity)!;
    return { ...all, next: at + 1 < q.to ? at + 1 : null };
  }

  async saveStorageHour(h: Omit<StorageHour, 'version'>, version: number | null): Promise<boolean> {
    const changes = await this.db.write(() =>
      version === null
        ? this.db.runSql(
            `INSERT INTO storage_usage (workspace_id, hour, history_bytes, journal_bytes, version, measured_at) VALUES (?, ?, ?, ?, 1, ?)
             ON CONFLICT (workspace_id, hour) DO NOTHING`,
            [h.workspaceId, h.hour, h.historyBytes, h.journalBytes, h.measuredAt],
          )
        : this.db.runSql(
            'UPDATE storage_usage SET history_bytes = ?, journal_bytes = ?, measured_at = ?, version = version + 1 WHERE workspace_id = ? AND hour = ? AND version = ?',
            [h.historyBytes, h.journalBytes, h.measuredAt, h.workspaceId, h.hour, version],
          ),
    );
    return changes > 0;
  }

  async forgetStorageBefore(workspaceId: string, hour: number): Promise<void> {
    await this.db.write(() => this.db.runSql('DELETE FROM storage_usage WHERE workspace_id = ? AND hour < ?', [workspaceId, hour]));
  }

  async storageUsage(workspaceId: string): Promise<StorageUsage> {
    const row = this.db.allSql<{ h: number; j: number; m: number | null; s: number | null }>(
      `SELECT coalesce(sum(history_bytes), 0) AS h, coalesce(sum(journal_bytes), 0) AS j, max(measured_at) AS m,
       (SELECT bytes FROM collection_usage WHERE workspace_id = ?) AS s FROM storage_usage WHERE workspace_id = ?`,
      [workspaceId, workspaceId],
    )[0];
    return { historyBytes: Number(row.h), journalBytes: Number(row.j), storeBytes: Number(row.s ?? 0), measuredAt: row.m === null ? null : Number(row.m) };
  }

  async pruneOverLimit(q: DiskPrune): Promise<DiskPruneResult> {
    return this.db.write(() => {
      const total = this.db.allSql<{ n: number }>('SELECT coalesce(sum(history_bytes + journal_bytes), 0) AS n FROM storage_usage WHERE workspace_id = ?', [q.workspaceId])[0];
      const excess = Number(total.n) - q.limitBytes;
      if (excess <= 0) return { webhooks: 0, executions: 0, bytes: 0, overBy: excess, more: false };
      const window = [q.workspaceId, q.hour, q.hour + HOUR_MS, q.batch];
      const picked = chooseOldest(this.db.allSql<PruneCandidate>(this.storageSql.prunableExecutions, window), this.db.allSql<PruneCandidate>(this.storageSql.prunableWebhooks, window), q.batch, excess);
      if (picked.executions.length > 0) {
        const marks = picked.executions.map(() => '?').join(',');
        this.db.runSql(`DELETE FROM execution_steps WHERE execution_id IN (${marks})`, picked.executions);
        this.db.runSql(`DELETE FROM executions WHERE id IN (${marks})`, picked.executions);
      }
      if (picked.webhooks.length > 0) this.db.runSql(`DELETE FROM webhooks WHERE id IN (${picked.webhooks.map(() => '?').join(',')})`, picked.webhooks);
      this.db.runSql(
        'UPDATE storage_usage SET history_bytes = max(0, history_bytes - ?), journal_bytes = max(0, journal_bytes - ?), version = version + 1 WHERE workspace_id = ? AND hour = ?',
        [picked.historyBytes, picked.journalBytes, q.workspaceId, q.hour],
      );
      const bytes = picked.historyBytes + picked.journalBytes;
      return { webhooks: picked.webhooks.length, executions: picked.executions.length, bytes, overBy: excess - bytes, more: picked.more };
    });
  }
}

const HOUR_MS = 3_600_000;

/** The disk measure's and the disk limit's SQL, with the row sizes of the database's page size. */
function storageQueries(pageSize: number) {
  const webhookBytes = rowBytesSql('sqlite', 'webhooks', 'w', pageSize);
  const executionBytes = rowBytesSql('sqlite', 'executions', 'e', pageSize);
  const journalBytes = `(SELECT coalesce(sum(${rowBytesSql('sqlite', 'execution_steps', 's', pageSize)}), 0) FROM execution_steps s WHERE s.execution_id = e.id)`;
  return {
    // In time order along the (workspace_id, time) indexes, so a batch reads only its own rows.
    measureWebhooks: `SELECT w.received_at AS at, ${webhookBytes} AS h, 0 AS j FROM webhooks w
      WHERE w.workspace_id = ? AND w.received_at >= ? AND w.received_at < ? ORDER BY w.received_at LIMIT ?`,
    measureExecutions: `SELECT e.created_at AS at, ${executionBytes} AS h, ${journalBytes} AS j FROM executions e
      WHERE e.workspace_id = ? AND e.created_at >= ? AND e.created_at < ? ORDER BY e.created_at LIMIT ?`,
    prunableExecutions: `SELECT e.id, e.webhook_id AS webhook, e.created_at AS at, ${executionBytes} AS h, ${journalBytes} AS j FROM executions e
      WHERE e.workspace_id = ? AND e.created_at >= ? AND e.created_at < ? AND e.status NOT IN (${STILL_RUNNABLE}) ORDER BY e.created_at LIMIT ?`,
    // A webhook stays while an execution that may still run reads its trigger from it (both ways an
    // execution refers to its webhook have an index: the intake's unique one, and trigger = '').
    prunableWebhooks: `SELECT w.id, w.received_at AS at, ${webhookBytes} AS h, 0 AS j FROM webhooks w
      WHERE w.workspace_id = ? AND w.received_at >= ? AND w.received_at < ?
      AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.webhook_id = w.id AND e.origin = 'webhook' AND e.status IN (${STILL_RUNNABLE}))
      AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.webhook_id = w.id AND e.trigger = '' AND e.status IN (${STILL_RUNNABLE}))
      ORDER BY w.received_at LIMIT ?`,
  };
}

function toLedger(r: Selectable<BalanceLedgerTable>): LedgerEntry {
  return { id: r.id, workspaceId: r.workspace_id, kind: r.kind, amountKopecks: Number(r.amount_kopecks), reason: r.reason, actor: r.actor, createdAt: Number(r.created_at) };
}

function toNotification(r: Selectable<NotificationsTable>): Notification {
  return { id: r.id, workspaceId: r.workspace_id, kind: r.kind, threshold: r.threshold, period: r.period, messageRu: r.message_ru, messageEn: r.message_en, createdAt: Number(r.created_at) };
}
