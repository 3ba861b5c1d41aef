// Shapes of the plan, usage and balance API (src/api/routes/plans.ts, src/plans/*).

export interface Plan {
  id: string;
  /** The catalog's own name, in Russian ("5 000 транзакций / мес."). */
  label: string;
  transactionsPerMonth: number;
  ordersPerMonth: number;
  webhooksPerMonth: number;
  historyDays: number;
  webhooksPerSecond: number;
  marketplaceParsingDays: number;
  /** null: unlimited. */
  connectionsPerService: number | null;
  /** null: the operator has set no price. */
  priceKopecks: number | null;
  /** Disk for history and journals in bytes; absent or null: no limit. */
  historyBytes?: number | null;
}

export interface PlanCatalog {
  items: Plan[];
  trialPlan: string;
  trialDays: number;
}

export interface Quota {
  used: number;
  limit: number;
  remaining: number;
}

export interface DayUsage {
  /** YYYY-MM-DD, Moscow calendar day. */
  day: string;
  webhooks: number;
  transactions: number;
}

export interface Usage {
  plan: Plan;
  trialEndsAt: string | null;
  /** The trial ended and the operator's setting is `wait`: nothing runs until a plan is picked. */
  trialEnded?: boolean;
  planChangedAt: string;
  period: { month: string; start: string; end: string };
  webhooks: Quota;
  transactions: Quota;
  daily: DayUsage[];
  transactionsByFlow: Array<{ flowId: string; connector: string; transactions: number }>;
  transactionsByConnector: Array<{ connector: string; transactions: number }>;
  history: { keptDays: number; oldestWebhookAt: string | null };
  storage: StorageUsage;
}

/** Bytes on disk as last measured (in the background, every 10 minutes). */
export interface StorageUsage {
  /** Webhooks and executions. */
  historyBytes: number;
  /** The executions' step journals. */
  journalBytes: number;
  /** The data store (`store` steps). */
  storeBytes: number;
  totalBytes: number;
  /** The plan's limit for history + journals; null: none. */
  limitBytes: number | null;
  /** null: not measured yet. */
  measuredAt: string | null;
}

export interface Suggestion {
  ordersPerMonth: number;
  transactionsLow: number;
  transactionsHigh: number;
  webhooksPerMonth: number;
  webhooksGiven: boolean;
  plan: Plan | null;
  steps: string[];
}

export interface LedgerEntry {
  id: string;
  kind: 'top_up' | 'cashback' | 'plan_charge' | 'adjustment';
  amountKopecks: number;
  reason: string;
  actor: string;
  createdAt: string;
}

export interface Balance {
  balanceKopecks: number;
  entries: LedgerEntry[];
}

export interface QuotaNotification {
  id: string;
  /** `disk`: the plan's limit for history and journals. */
  kind: 'webhooks' | 'transactions' | 'disk';
  threshold: number;
  /** YYYY-MM, the Moscow month it was raised in. */
  period: string;
  messageRu: string;
  messageEn: string;
  createdAt: string;
}
