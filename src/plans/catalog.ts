// The plan catalog: the six plans of the source page (shared/seeds, "Plans") as the default, or
// an operator's file (SVYAZKA_PLANS_FILE, JSON or YAML) validated at start.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const planSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'plan id: lowercase letters, digits and -'),
  label: z.string().min(1),
  /** Outgoing API requests per billing month. */
  transactionsPerMonth: z.number().int().positive(),
  /** The page's estimate: transactions ÷ 3. */
  ordersPerMonth: z.number().int().positive(),
  webhooksPerMonth: z.number().int().positive(),
  historyDays: z.number().int().positive(),
  webhooksPerSecond: z.number().int().positive(),
  marketplaceParsingDays: z.number().int().positive(),
  /** null: unlimited, as on every plan of the page. */
  connectionsPerService: z.number().int().positive().nullable().default(null),
  /** Monthly price in kopecks; the page gives none, so the operator sets it. */
  priceKopecks: z.number().int().nonnegative().nullable().default(null),
  /** Data store (`store` steps): records per workspace; absent: from the plan's size (storeLimitsOf); null: unlimited. */
  storeRecords: z.number().int().positive().nullable().optional(),
  /** Data store: bytes (keys + JSON values) per workspace; absent: from the plan's size; null: unlimited. */
  storeBytes: z.number().int().positive().nullable().optional(),
  /**
   * Disk for a workspace's history and journals (webhooks, executions, their steps), in bytes; over
   * it retention deletes the oldest finished history sooner than historyDays (plans/disk-limit.ts).
   * Absent or null: no limit, as on every plan of the page.
   */
  historyBytes: z.number().int().positive().nullable().optional(),
});

export type Plan = z.infer<typeof planSchema>;

/**
 * A plan's data store limits: the operator's figures where the catalog gives them, else ten records
 * per monthly transaction (10,000 to 2,000,000) and 1 KB per record, at least 50 MB.
 */
export function storeLimitsOf(plan: Plan): { records: number | null; bytes: number | null } {
  const records = plan.storeRecords !== undefined ? plan.storeRecords : Math.min(2_000_000, Math.max(10_000, plan.transactionsPerMonth * 10));
  const derived = Math.max(50 * 1024 * 1024, (records ?? 0) * 1024);
  return { records, bytes: plan.storeBytes !== undefined ? plan.storeBytes : derived };
}

export const catalogSchema = z
  .strictObject({
    plans: z.array(planSchema).min(1),
    trialPlan: z.string(),
    trialDays: z.number().int().positive().default(30),
  })
  .superRefine((c, ctx) => {
    const ids = new Set<string>();
    for (const p of c.plans) {
      if (ids.has(p.id)) ctx.addIssue({ code: 'custom', message: `duplicate plan id "${p.id}"` });
      ids.add(p.id);
    }
    if (!ids.has(c.trialPlan)) ctx.addIssue({ code: 'custom', message: `trialPlan "${c.trialPlan}" is not one of the plans` });
  });

export type PlanCatalog = z.infer<typeof catalogSchema>;

const plan = (t: number, orders: number, webhooks: number, historyDays: number, perSecond: number, parsingDays: number): Plan => ({
  id: `t${t}`,
  label: `${t.toLocaleString('ru-RU').replace(/\u00a0/g, ' ')} транзакций / мес.`,
  transactionsPerMonth: t,
  ordersPerMonth: orders,
  webhooksPerMonth: webhooks,
  historyDays,
  webhooksPerSecond: perSecond,
  marketplaceParsingDays: parsingDays,
  connectionsPerService: null,
  priceKopecks: null,
});

/** The page's table, figure for figure. */
export const DEFAULT_CATALOG: PlanCatalog = {
  plans: [
    plan(1_200, 400, 12_000, 4, 5, 5),
    plan(5_000, 1_667, 50_000, 7, 30, 14),
    plan(10_000, 3_333, 100_000, 14, 50, 21),
    plan(50_000, 16_667, 500_000, 21, 70, 30),
    plan(200_000, 66_667, 2_000_000, 21, 100, 45),
    plan(400_000, 133_333, 4_000_000, 30, 200, 60),
  ],
  trialPlan: 't5000',
  trialDays: 30,
};

export function loadPlanCatalog(file: string | undefined): PlanCatalog {
  if (!file) return DEFAULT_CATALOG;
  let raw: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new Error(`Cannot read the plans file ${file}: ${(error as Error).message}`);
  }
  const parsed = catalogSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`Invalid plans file ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
