// Plans, usage, ledger, notifications and retention on PostgreSQL. Quotas are taken under the
// workspace's billing row lock, so processes taking at once never grant more than the quota.
import type { Selectable } from 'kysely';
import type { BalanceLedgerTable, NotificationsTable } from '../schema.ts';
import type { Billing, LedgerEntry, Notification, PlanStore, QuotaTake } from '../types.ts';
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
          'SELECT id FROM executions WHERE workspace_id = $1 AND finished_at IS NOT NULL AND finished_at < $2 ORDER BY finished_at LIMIT $3 FOR UPDATE SKIP LOCKED',
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
}

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
