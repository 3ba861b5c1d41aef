// Plans, usage, ledger, notifications and retention on the embedded SQLite database.
import type { Selectable } from 'kysely';
import type { BalanceLedgerTable, NotificationsTable } from '../schema.ts';
import type { Billing, LedgerEntry, Notification, PlanStore, QuotaTake } from '../types.ts';
import type { SqliteDatabase } from './database.ts';
import { STILL_RUNNABLE, triggerOf, type TriggerSource } from '../stored-body.ts';

/** Counting inside the intake's and the executor's own writes: one statement, no extra round trip. */
export const COUNT_WEBHOOK = `INSERT INTO usage_daily (workspace_id, day, webhooks, transactions) VALUES (?, ?, 1, 0)
  ON CONFLICT (workspace_id, day) DO UPDATE SET webhooks = webhooks + 1`;
export const COUNT_TRANSACTIONS_DAY = `INSERT INTO usage_daily (workspace_id, day, webhooks, transactions) VALUES (?, ?, 0, ?)
  ON CONFLICT (workspace_id, day) DO UPDATE SET transactions = transactions + excluded.transactions`;
const COUNT_WEBHOOKS_N = `INSERT INTO usage_daily (workspace_id, day, webhooks, transactions) VALUES (?, ?, ?, 0)
  ON CONFLICT (workspace_id, day) DO UPDATE SET webhooks = webhooks + excluded.webhooks`;
export const COUNT_TRANSACTIONS_FLOW = `INSERT INTO usage_flow_month (workspace_id, month, flow_id, connector, transactions) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (workspace_id, month, flow_id, connector) DO UPDATE SET transactions = transactions + excluded.transactions`;

export class SqlitePlanStore implements PlanStore {
  private readonly db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.db = db;
  }

  private get q() {
    return this.db.kysely;
  }

  async takeQuota(t: QuotaTake): Promise<{ granted: boolean; used: number }> {
    // One writer at a time (the group commit): the read and the count cannot interleave with another taker's.
    return this.db.write(() => {
      const column = t.kind === 'webhooks' ? 'webhooks' : 'transactions';
      const row = this.db.allSql<{ n: number }>(
        `SELECT coalesce(sum(${column}), 0) AS n FROM usage_daily WHERE workspace_id = ? AND day >= ? AND day <= ?`,
        [t.workspaceId, `${t.month}-01`, `${t.month}-31`],
      )[0];
      const used = Number(row?.n ?? 0);
      if (used + t.count > t.limit) return { granted: false, used };
      this.db.runSql(t.kind === 'webhooks' ? COUNT_WEBHOOKS_N : COUNT_TRANSACTIONS_DAY, [t.workspaceId, t.day, t.count]);
      return { granted: true, used: used + t.count };
    });
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
      const ids = this.db
        .allSql<{ id: string }>(
          'SELECT id FROM executions WHERE workspace_id = ? AND finished_at IS NOT NULL AND finished_at < ? ORDER BY finished_at LIMIT ?',
          [workspaceId, before, batch],
        )
        .map((r) => r.id);
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
    await this.db.write(() => undefined);
    this.db.raw.exec(`PRAGMA incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
  }
}

function toLedger(r: Selectable<BalanceLedgerTable>): LedgerEntry {
  return { id: r.id, workspaceId: r.workspace_id, kind: r.kind, amountKopecks: Number(r.amount_kopecks), reason: r.reason, actor: r.actor, createdAt: Number(r.created_at) };
}

function toNotification(r: Selectable<NotificationsTable>): Notification {
  return { id: r.id, workspaceId: r.workspace_id, kind: r.kind, threshold: r.threshold, period: r.period, messageRu: r.message_ru, messageEn: r.message_en, createdAt: Number(r.created_at) };
}
