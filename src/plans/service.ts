// What plans mean at run time: which plan a workspace is on (a new one starts a trial), admission
// of webhooks (per-second token bucket, monthly quota), transactions taken from the monthly quota
// one request at a time, warnings at 80 % and 100 %, top-ups with cashback.
//
// Counters are kept in memory per workspace and month, loaded once from the store and changed
// synchronously, so concurrent executions in this process can never both take the last
// transaction. The store's own counters (written in the same transaction as each webhook and
// each step journal entry) are the durable truth they are loaded from.
import type { Logger } from 'pino';
import { newId } from '../lib/ids.ts';
import type { Billing, LedgerEntry, PlanStore } from '../store/types.ts';
import { cashbackFor } from './cashback.ts';
import type { Plan, PlanCatalog } from './catalog.ts';
import { dayOf, monthOf, monthStart, nextMonthStart } from './periods.ts';

export class QuotaExceededError extends Error {
  readonly resumeAt: number;
  constructor(message: string, resumeAt: number) {
    super(message);
    this.name = 'QuotaExceededError';
    this.resumeAt = resumeAt;
  }
}

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number; reason: 'rate' | 'quota'; messageRu: string; messageEn: string };

interface MonthCounters {
  month: string;
  webhooks: number;
  transactions: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const WARN_AT = [80, 100] as const;

export class PlansService {
  readonly catalog: PlanCatalog;
  private readonly store: PlanStore;
  private readonly logger: Logger;
  private readonly billing = new Map<string, Billing>();
  private readonly counters = new Map<string, MonthCounters>();
  private readonly loading = new Map<string, Promise<void>>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly byId: Map<string, Plan>;
  /** Called when quota may have come back (plan change, new month): resume waiting executions. */
  onQuotaAvailable: (workspaceId: string) => void = () => {};

  constructor(deps: { catalog: PlanCatalog; store: PlanStore; logger: Logger }) {
    this.catalog = deps.catalog;
    this.store = deps.store;
    this.logger = deps.logger;
    this.byId = new Map(this.catalog.plans.map((p) => [p.id, p]));
  }

  plan(id: string): Plan | undefined {
    return this.byId.get(id);
  }

  /** The workspace's billing row, created as a trial on first use; counters loaded. */
  async prepare(workspaceId: string, now = Date.now()): Promise<void> {
    const counters = this.counters.get(workspaceId);
    if (this.billing.has(workspaceId) && counters?.month === monthOf(now)) return;
    let pending = this.loading.get(workspaceId);
    if (!pending) {
      pending = this.load(workspaceId, now).finally(() => this.loading.delete(workspaceId));
      this.loading.set(workspaceId, pending);
    }
    await pending;
  }

  private async load(workspaceId: string, now: number): Promise<void> {
    let billing = await this.store.getBilling(workspaceId);
    if (!billing) {
      billing = await this.store.ensureBilling({
        workspaceId,
        planId: this.catalog.trialPlan,
        trialEndsAt: now + this.catalog.trialDays * 86_400_000,
        planChangedAt: now,
        createdAt: now,
      });
    }
    if (!this.byId.has(billing.planId)) {
      this.logger.warn({ workspaceId, planId: billing.planId }, 'workspace is on a plan the catalog no longer has; using the trial plan');
      billing = { ...billing, planId: this.catalog.trialPlan };
    }
    const month = monthOf(now);
    const used = await this.store.usageBetween(workspaceId, `${month}-01`, `${month}-31`);
    this.billing.set(workspaceId, billing);
    const current = this.counters.get(workspaceId);
    // Something may have been counted while we read: keep the larger figures.
    this.counters.set(workspaceId, {
      month,
      webhooks: Math.max(used.webhooks, current?.month === month ? current.webhooks : 0),
      transactions: Math.max(used.transactions, current?.month === month ? current.transactions : 0),
    });
  }

  planOf(workspaceId: string): Plan {
    const billing = this.billing.get(workspaceId);
    return this.byId.get(billing?.planId ?? this.catalog.trialPlan) ?? this.byId.get(this.catalog.trialPlan)!;
  }

  billingOf(workspaceId: string): Billing | undefined {
    return this.billing.get(workspaceId);
  }

  private month(workspaceId: string, now: number): MonthCounters {
    const month = monthOf(now);
    let c = this.counters.get(workspaceId);
    if (!c || c.month !== month) {
      // A new month: quotas start again (the store's daily rows of the new month start at zero too).
      c = { month, webhooks: 0, transactions: 0 };
      this.counters.set(workspaceId, c);
    }
    return c;
  }

  /** Per-second rate, then monthly quota; a webhook admitted here is counted. Call prepare() first. */
  admitWebhook(workspaceId: string, now = Date.now()): Admission {
    const plan = this.planOf(workspaceId);
    const rate = plan.webhooksPerSecond;
    const bucket = this.buckets.get(workspaceId) ?? { tokens: rate, at: now };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    this.buckets.set(workspaceId, bucket);
    if (bucket.tokens < 1) {
      const wait = Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
      return {
        ok: false,
        reason: 'rate',
        retryAfterSeconds: wait,
        messageRu: `Превышен лимит тарифа: не больше ${rate} входящих вебхуков в секунду. Повторите через ${wait} с.`,
        messageEn: `Over the plan's limit of ${rate} incoming webhooks per second. Retry in ${wait} s.`,
      };
    }
    const c = this.month(workspaceId, now);
    if (c.webhooks >= plan.webhooksPerMonth) {
      const retry = Math.ceil((nextMonthStart(now) - now) / 1000);
      return {
        ok: false,
        reason: 'quota',
        retryAfterSeconds: retry,
        messageRu: `Исчерпан месячный лимит тарифа «${plan.label}»: ${plan.webhooksPerMonth} входящих вебхуков. Смените тариф или дождитесь нового месяца.`,
        messageEn: `The monthly quota of ${plan.webhooksPerMonth} incoming webhooks of plan "${plan.id}" is used up. Upgrade the plan or wait for the next month.`,
      };
    }
    bucket.tokens -= 1;
    c.webhooks++;
    this.warnIfCrossed(workspaceId, 'webhooks', c.webhooks, plan.webhooksPerMonth, c.month);
    return { ok: true };
  }

  /** Takes one transaction from the month's quota, or throws QuotaExceededError. Call prepare() first. */
  takeTransaction(workspaceId: string, now = Date.now()): void {
    const plan = this.planOf(workspaceId);
    const c = this.month(workspaceId, now);
    if (c.transactions >= plan.transactionsPerMonth) {
      throw new QuotaExceededError(
        `Monthly transaction quota of plan "${plan.id}" (${plan.transactionsPerMonth}) is used up; the execution waits until quota returns (Исчерпан месячный лимит транзакций)`,
        nextMonthStart(now),
      );
    }
    c.transactions++;
    this.warnIfCrossed(workspaceId, 'transactions', c.transactions, plan.transactionsPerMonth, c.month);
  }

  remainingTransactions(workspaceId: string, now = Date.now()): number {
    return Math.max(0, this.planOf(workspaceId).transactionsPerMonth - this.month(workspaceId, now).transactions);
  }

  private warnIfCrossed(workspaceId: string, kind: 'webhooks' | 'transactions', used: number, limit: number, period: string): void {
    for (const threshold of WARN_AT) {
      if (used !== Math.ceil((limit * threshold) / 100)) continue;
      const what = kind === 'webhooks' ? ['входящих вебхуков', 'incoming webhooks'] : ['транзакций', 'transactions'];
      void this.store
        .addNotification({
          id: newId('ntf'),
          workspaceId,
          kind,
          threshold,
          period,
          messageRu: `Использовано ${threshold} % месячного лимита ${what[0]} (${used} из ${limit}) за ${period}.`,
          messageEn: `${threshold}% of the monthly ${what[1]} quota is used (${used} of ${limit}) in ${period}.`,
          createdAt: Date.now(),
        })
        .catch((err) => this.logger.error({ err, workspaceId }, 'could not store a quota notification'));
    }
  }

  /** Plan changes take effect at once; the month's usage so far counts against the new plan (no proration). */
  async changePlan(workspaceId: string, planId: string, now = Date.now()): Promise<Plan> {
    const plan = this.byId.get(planId);
    if (!plan) throw new Error(`Unknown plan "${planId}" (plans: ${[...this.byId.keys()].join(', ')})`);
    await this.prepare(workspaceId, now);
    await this.store.setPlan(workspaceId, planId, now);
    this.billing.set(workspaceId, { ...this.billing.get(workspaceId)!, planId, planChangedAt: now, trialEndsAt: null });
    this.buckets.delete(workspaceId);
    this.onQuotaAvailable(workspaceId);
    return plan;
  }

  /** A top-up and its cashback, two ledger entries written together. */
  async topUp(workspaceId: string, amountKopecks: number, actor: string, now = Date.now()) {
    const { percent, cashbackKopecks } = cashbackFor(amountKopecks);
    if (amountKopecks <= 0) throw new RangeError('A top-up must be more than 0 kopecks');
    const entries: LedgerEntry[] = [{ id: newId('led', now), workspaceId, kind: 'top_up', amountKopecks, reason: 'Пополнение баланса / top-up', actor, createdAt: now }];
    if (cashbackKopecks > 0) {
      entries.push({ id: newId('led', now), workspaceId, kind: 'cashback', amountKopecks: cashbackKopecks, reason: `Кешбэк ${percent} % / cashback`, actor: 'system', createdAt: now });
    }
    await this.store.appendLedger(entries);
    return { percent, cashbackKopecks, balanceKopecks: await this.store.balance(workspaceId) };
  }

  /** 90 days up to today, every day present (zeros where nothing was counted). */
  private async daily(workspaceId: string, now: number) {
    const rows = new Map((await this.store.dailyUsage(workspaceId, dayOf(now - 89 * 86_400_000))).map((r) => [r.day, r]));
    return Array.from({ length: 90 }, (_, i) => {
      const day = dayOf(now - (89 - i) * 86_400_000);
      return rows.get(day) ?? { day, webhooks: 0, transactions: 0 };
    });
  }

  /** The usage view: month used/limit/remaining, 90 days, per flow and connector, retention. */
  async usage(workspaceId: string, now = Date.now()) {
    await this.prepare(workspaceId, now);
    const plan = this.planOf(workspaceId);
    const billing = this.billing.get(workspaceId)!;
    const month = monthOf(now);
    const c = this.month(workspaceId, now);
    const byFlow = await this.store.transactionsByFlow(workspaceId, month);
    const perConnector = new Map<string, number>();
    for (const r of byFlow) perConnector.set(r.connector, (perConnector.get(r.connector) ?? 0) + r.transactions);
    const oldest = await this.store.oldestWebhookAt(workspaceId);
    const quota = (used: number, limit: number) => ({ used, limit, remaining: Math.max(0, limit - used) });
    return {
      plan,
      trialEndsAt: billing.trialEndsAt === null ? null : new Date(billing.trialEndsAt).toISOString(),
      planChangedAt: new Date(billing.planChangedAt).toISOString(),
      period: { month, start: new Date(monthStart(now)).toISOString(), end: new Date(nextMonthStart(now)).toISOString() },
      webhooks: quota(c.webhooks, plan.webhooksPerMonth),
      transactions: quota(c.transactions, plan.transactionsPerMonth),
      daily: await this.daily(workspaceId, now),
      transactionsByFlow: byFlow,
      transactionsByConnector: [...perConnector].map(([connector, transactions]) => ({ connector, transactions })),
      history: { keptDays: plan.historyDays, oldestWebhookAt: oldest === null ? null : new Date(oldest).toISOString() },
    };
  }
}
