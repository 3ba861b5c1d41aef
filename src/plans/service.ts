// What plans mean at run time: which plan a workspace is on (a new one starts a trial), admission
// of webhooks (per-second token bucket, monthly quota), transactions taken from the monthly quota
// one request at a time, warnings at 80 % and 100 %, top-ups with cashback, and the end of a
// trial as the operator's setting says (drop to a plan, or wait for the operator).
//
// One process (SQLite): counters are kept in memory per workspace and month, loaded once from the
// store and changed synchronously, so concurrent executions in this process can never both take
// the last transaction. The store's own counters (written in the same transaction as each webhook
// and each step journal entry) are the durable truth they are loaded from.
// A shared database (PostgreSQL, several processes): memory cannot see the other processes, so
// each webhook and transaction is taken from the store's counter (quota-meter.ts, exact under
// concurrency) and the write that stores it must not count it again (`quotaTaken`, `dayCounted`).
import type { Logger } from 'pino';
import { newId } from '../lib/ids.ts';
import type { Billing, LedgerEntry, PlanStore } from '../store/types.ts';
import { cashbackFor } from './cashback.ts';
import type { Plan, PlanCatalog } from './catalog.ts';
import type { TrialEndPolicy } from './instance-settings.ts';
import type { WebhookRateGate } from '../intake/webhook-rate.ts';
import { dayOf, monthOf, monthStart, nextMonthStart } from './periods.ts';
import { QuotaMeter } from './quota-meter.ts';

export class QuotaExceededError extends Error {
  readonly resumeAt: number;
  constructor(message: string, resumeAt: number) {
    super(message);
    this.name = 'QuotaExceededError';
    this.resumeAt = resumeAt;
  }
}

/** `quotaTaken`: the store already counted the webhook (exact quotas): store it with no day to count on. */
export type Admission = { ok: true; quotaTaken?: boolean } | { ok: false; retryAfterSeconds: number; reason: 'rate' | 'quota'; messageRu: string; messageEn: string };

/** How long a trial-ended workspace's executions wait before they look again (an operator's plan change resumes them at once). */
const TRIAL_WAIT_MS = 3_600_000;

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
  private readonly trialEndPolicy: () => Promise<TrialEndPolicy>;
  /** Workspaces whose trial ended under the `wait` setting: no webhooks, no transactions. */
  private readonly trialEnded = new Set<string>();
  /** Called when quota may have come back (plan change, new month): resume waiting executions. */
  onQuotaAvailable: (workspaceId: string) => void = () => {};
  /** Distributed mode: the webhooks/s bucket shared by every web process (Redis) instead of the one in memory. */
  webhookRate: WebhookRateGate | null = null;
  /** The clock every default `now` reads; tests replace it to move past a trial's end. */
  now: () => number = Date.now;
  /** Set when the store is shared by several processes: quotas are taken from its counter. */
  private readonly meter: QuotaMeter | null;

  constructor(deps: { catalog: PlanCatalog; store: PlanStore; logger: Logger; trialEndPolicy?: () => Promise<TrialEndPolicy>; exactQuotas?: boolean }) {
    this.catalog = deps.catalog;
    this.store = deps.store;
    this.meter = deps.exactQuotas ? new QuotaMeter(deps.store) : null;
    this.logger = deps.logger;
    this.byId = new Map(this.catalog.plans.map((p) => [p.id, p]));
    const cheapest = this.catalog.plans.reduce((a, b) => (b.transactionsPerMonth < a.transactionsPerMonth ? b : a));
    this.trialEndPolicy = deps.trialEndPolicy ?? (async () => ({ action: 'downgrade', planId: cheapest.id }));
  }

  plan(id: string): Plan | undefined {
    return this.byId.get(id);
  }

  /** The workspace's billing row, created as a trial on first use; counters loaded. */
  async prepare(workspaceId: string, now = this.now()): Promise<void> {
    const counters = this.counters.get(workspaceId);
    const billing = this.billing.get(workspaceId);
    if (billing && counters?.month === monthOf(now)) {
      if (billing.trialEndsAt !== null && now >= billing.trialEndsAt) await this.endTrial(workspaceId, now);
      return;
    }
    let pending = this.loading.get(workspaceId);
    if (!pending) {
      pending = this.load(workspaceId, now).finally(() => this.loading.delete(workspaceId));
      this.loading.set(workspaceId, pending);
    }
    await pending;
    const loaded = this.billing.get(workspaceId);
    if (loaded && loaded.trialEndsAt !== null && now >= loaded.trialEndsAt) await this.endTrial(workspaceId, now);
  }

  /** The trial is over: drop to the operator's plan, or (setting `wait`) hold the workspace until they pick one. */
  private async endTrial(workspaceId: string, now: number): Promise<void> {
    const policy = await this.trialEndPolicy();
    if (policy.action === 'wait') {
      if (!this.trialEnded.has(workspaceId)) this.logger.info({ workspaceId }, 'trial ended; the workspace waits for the operator to pick a plan');
      this.trialEnded.add(workspaceId);
      return;
    }
    const billing = this.billing.get(workspaceId);
    if (!billing || billing.trialEndsAt === null) return;
    await this.store.setPlan(workspaceId, policy.planId, now);
    this.billing.set(workspaceId, { ...billing, planId: policy.planId, planChangedAt: now, trialEndsAt: null });
    this.trialEnded.delete(workspaceId);
    this.buckets.delete(workspaceId);
    this.logger.info({ workspaceId, planId: policy.planId }, 'trial ended; the workspace moved to the plan of the instance settings');
    this.onQuotaAvailable(workspaceId);
  }

  /** True when the trial ended under the `wait` setting and no plan was picked yet. */
  isTrialEnded(workspaceId: string): boolean {
    return this.trialEnded.has(workspaceId);
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

  /**
   * The workspace's billing or ledger changed, maybe in another process (the change feed): what is
   * cached is read again from the store. Kept in place until then, so planOf never falls back to
   * the trial plan meanwhile. Nothing to do for a workspace this process has not loaded.
   */
  async invalidate(workspaceId: string, now = this.now()): Promise<void> {
    const before = this.billing.get(workspaceId);
    if (!before) return;
    await this.load(workspaceId, now);
    if (this.billing.get(workspaceId)?.trialEndsAt === null) this.trialEnded.delete(workspaceId);
    if (this.billing.get(workspaceId)?.planId !== before.planId) this.buckets.delete(workspaceId);
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

  /**
   * True when quotas are taken from the store's counter: webhooks admitted are stored with no day
   * (Admission.quotaTaken) and transactions journaled with `dayCounted`, so nothing counts twice.
   */
  get quotaInStore(): boolean {
    return this.meter !== null;
  }

  /**
   * admitWebhook, with the per-second rate taken from the shared bucket when there is one, and the
   * monthly quota from the store's counter when the store is shared.
   */
  async admitWebhookShared(workspaceId: string, now = this.now()): Promise<Admission> {
    const wait = this.webhookRate && !this.trialEnded.has(workspaceId) ? await this.webhookRate.take(workspaceId, this.planOf(workspaceId).webhooksPerSecond) : undefined;
    if (!this.meter) return this.admitWebhook(workspaceId, now, wait);
    const rate = this.admitRate(workspaceId, now, wait);
    if (!rate.ok) return rate;
    // Spent before the wait on the store, so webhooks arriving meanwhile see it gone.
    if (wait === undefined) rate.bucket.tokens -= 1;
    const plan = this.planOf(workspaceId);
    const month = monthOf(now);
    const taken = await this.meter.take(workspaceId, 'webhooks', dayOf(now), month, plan.webhooksPerMonth);
    const c = this.month(workspaceId, now);
    c.webhooks = Math.max(c.webhooks, taken.used);
    if (!taken.granted) return this.webhookQuotaRefusal(plan, now);
    this.warnIfCrossed(workspaceId, 'webhooks', taken.used, plan.webhooksPerMonth, month);
    return { ok: true, quotaTaken: true };
  }

  /**
   * Per-second rate, then monthly quota; a webhook admitted here is counted. Call prepare() first.
   * `sharedWait`: the shared bucket already decided the rate (0: a token was taken).
   */
  admitWebhook(workspaceId: string, now = this.now(), sharedWait?: number): Admission {
    const rate = this.admitRate(workspaceId, now, sharedWait);
    if (!rate.ok) return rate;
    const plan = this.planOf(workspaceId);
    const c = this.month(workspaceId, now);
    if (c.webhooks >= plan.webhooksPerMonth) return this.webhookQuotaRefusal(plan, now);
    if (sharedWait === undefined) rate.bucket.tokens -= 1;
    c.webhooks++;
    this.warnIfCrossed(workspaceId, 'webhooks', c.webhooks, plan.webhooksPerMonth, c.month);
    return { ok: true };
  }

  /** The trial and the per-second rate; `bucket` is this process's (its token is spent only when the webhook is admitted). */
  private admitRate(workspaceId: string, now: number, sharedWait: number | undefined): Exclude<Admission, { ok: true }> | { ok: true; bucket: Bucket } {
    if (this.trialEnded.has(workspaceId)) {
      return {
        ok: false,
        reason: 'quota',
        retryAfterSeconds: TRIAL_WAIT_MS / 1000,
        messageRu: 'Пробный период закончился: вебхуки не принимаются, пока оператор не выберет тариф.',
        messageEn: 'The trial has ended: webhooks are refused until the operator picks a plan.',
      };
    }
    const plan = this.planOf(workspaceId);
    const rate = plan.webhooksPerSecond;
    const bucket = this.buckets.get(workspaceId) ?? { tokens: rate, at: now };
    if (sharedWait === undefined) {
      bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
      bucket.at = now;
      this.buckets.set(workspaceId, bucket);
    }
    if (sharedWait === undefined ? bucket.tokens < 1 : sharedWait > 0) {
      const wait = sharedWait || Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
      return {
        ok: false,
        reason: 'rate',
        retryAfterSeconds: wait,
        messageRu: `Превышен лимит тарифа: не больше ${rate} входящих вебхуков в секунду. Повторите через ${wait} с.`,
        messageEn: `Over the plan's limit of ${rate} incoming webhooks per second. Retry in ${wait} s.`,
      };
    }
    return { ok: true, bucket };
  }

  private webhookQuotaRefusal(plan: Plan, now: number): Admission {
    return {
      ok: false,
      reason: 'quota',
      retryAfterSeconds: Math.ceil((nextMonthStart(now) - now) / 1000),
      messageRu: `Исчерпан месячный лимит тарифа «${plan.label}»: ${plan.webhooksPerMonth} входящих вебхуков. Смените тариф или дождитесь нового месяца.`,
      messageEn: `The monthly quota of ${plan.webhooksPerMonth} incoming webhooks of plan "${plan.id}" is used up. Upgrade the plan or wait for the next month.`,
    };
  }

  /**
   * Takes one transaction from the month's quota, or throws (rejects with) QuotaExceededError. Call
   * prepare() first. Synchronous in one process; a promise when the store's counter decides.
   */
  takeTransaction(workspaceId: string, now = this.now()): void | Promise<void> {
    if (this.trialEnded.has(workspaceId)) {
      throw new QuotaExceededError(
        'The trial has ended; the execution waits until the operator picks a plan (Пробный период закончился: выполнение ждёт, пока оператор выберет тариф)',
        now + TRIAL_WAIT_MS,
      );
    }
    const plan = this.planOf(workspaceId);
    if (this.meter) return this.takeTransactionFromStore(workspaceId, plan, now);
    const c = this.month(workspaceId, now);
    if (c.transactions >= plan.transactionsPerMonth) throw transactionQuotaError(plan, now);
    c.transactions++;
    this.warnIfCrossed(workspaceId, 'transactions', c.transactions, plan.transactionsPerMonth, c.month);
  }

  private async takeTransactionFromStore(workspaceId: string, plan: Plan, now: number): Promise<void> {
    const month = monthOf(now);
    const taken = await this.meter!.take(workspaceId, 'transactions', dayOf(now), month, plan.transactionsPerMonth);
    const c = this.month(workspaceId, now);
    c.transactions = Math.max(c.transactions, taken.used);
    if (!taken.granted) throw transactionQuotaError(plan, now);
    this.warnIfCrossed(workspaceId, 'transactions', taken.used, plan.transactionsPerMonth, month);
  }

  remainingTransactions(workspaceId: string, now = this.now()): number {
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
  async changePlan(workspaceId: string, planId: string, now = this.now()): Promise<Plan> {
    const plan = this.byId.get(planId);
    if (!plan) throw new Error(`Unknown plan "${planId}" (plans: ${[...this.byId.keys()].join(', ')})`);
    await this.prepare(workspaceId, now);
    await this.store.setPlan(workspaceId, planId, now);
    this.billing.set(workspaceId, { ...this.billing.get(workspaceId)!, planId, planChangedAt: now, trialEndsAt: null });
    this.trialEnded.delete(workspaceId);
    this.buckets.delete(workspaceId);
    this.onQuotaAvailable(workspaceId);
    return plan;
  }

  /** A top-up and its cashback, two ledger entries written together. */
  async topUp(workspaceId: string, amountKopecks: number, actor: string, now = this.now()) {
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
  async usage(workspaceId: string, now = this.now()) {
    await this.prepare(workspaceId, now);
    // Other processes count too: what the store holds now, not what this one last saw.
    if (this.meter) await this.load(workspaceId, now);
    const plan = this.planOf(workspaceId);
    const billing = this.billing.get(workspaceId)!;
    const month = monthOf(now);
    const c = this.month(workspaceId, now);
    const byFlow = await this.store.transactionsByFlow(workspaceId, month);
    const perConnector = new Map<string, number>();
    for (const r of byFlow) perConnector.set(r.connector, (perConnector.get(r.connector) ?? 0) + r.transactions);
    const oldest = await this.store.oldestWebhookAt(workspaceId);
    const disk = await this.store.storageUsage(workspaceId);
    const quota = (used: number, limit: number) => ({ used, limit, remaining: Math.max(0, limit - used) });
    return {
      plan,
      trialEndsAt: billing.trialEndsAt === null ? null : new Date(billing.trialEndsAt).toISOString(),
      /** The trial ended under the `wait` setting: nothing runs until the operator picks a plan. */
      trialEnded: this.trialEnded.has(workspaceId),
      planChangedAt: new Date(billing.planChangedAt).toISOString(),
      period: { month, start: new Date(monthStart(now)).toISOString(), end: new Date(nextMonthStart(now)).toISOString() },
      webhooks: quota(c.webhooks, plan.webhooksPerMonth),
      transactions: quota(c.transactions, plan.transactionsPerMonth),
      daily: await this.daily(workspaceId, now),
      transactionsByFlow: byFlow,
      transactionsByConnector: [...perConnector].map(([connector, transactions]) => ({ connector, transactions })),
      history: { keptDays: plan.historyDays, oldestWebhookAt: oldest === null ? null : new Date(oldest).toISOString() },
      /** Bytes as last measured (plans/storage-usage.ts); limitBytes (the plan's historyBytes, null: none) is for history + journals. */
      storage: {
        historyBytes: disk.historyBytes,
        journalBytes: disk.journalBytes,
        storeBytes: disk.storeBytes,
        totalBytes: disk.historyBytes + disk.journalBytes + disk.storeBytes,
        limitBytes: plan.historyBytes ?? null,
        measuredAt: disk.measuredAt === null ? null : new Date(disk.measuredAt).toISOString(),
      },
    };
  }
}

function transactionQuotaError(plan: Plan, now: number): QuotaExceededError {
  return new QuotaExceededError(
    `Monthly transaction quota of plan "${plan.id}" (${plan.transactionsPerMonth}) is used up; the execution waits until quota returns (Исчерпан месячный лимит транзакций)`,
    nextMonthStart(now),
  );
}
