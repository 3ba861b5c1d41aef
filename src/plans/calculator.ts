// "Which plan fits": orders per month → transactions (× 3–4, the page's rule; we size for 4) and
// webhooks (given, or 5 × transactions at most, the page's upper estimate) → the cheapest plan
// whose quotas cover both, with the arithmetic shown.
import type { Plan, PlanCatalog } from './catalog.ts';

export interface Suggestion {
  ordersPerMonth: number;
  transactionsLow: number;
  transactionsHigh: number;
  webhooksPerMonth: number;
  webhooksGiven: boolean;
  plan: Plan | null;
  /** Enabled polling flows counted in (their polls are transactions whatever the orders). */
  polling: { flows: number; transactionsPerMonth: number } | null;
  steps: string[];
}

export function suggestPlan(catalog: PlanCatalog, input: { orders: number; webhooks?: number; polling?: { flows: number; transactionsPerMonth: number } }): Suggestion {
  if (!Number.isSafeInteger(input.orders) || input.orders < 0) throw new RangeError('orders must be a non-negative whole number');
  if (input.webhooks !== undefined && (!Number.isSafeInteger(input.webhooks) || input.webhooks < 0)) throw new RangeError('webhooks must be a non-negative whole number');
  const polls = input.polling && input.polling.flows > 0 ? input.polling : null;
  const pollTx = polls?.transactionsPerMonth ?? 0;
  const low = input.orders * 3 + pollTx;
  const high = input.orders * 4 + pollTx;
  const webhooks = input.webhooks ?? input.orders * 4 * 5;
  // Plans sorted by size: with no prices on the page, a smaller plan is the cheaper one.
  const sorted = [...catalog.plans].sort((a, b) => (a.priceKopecks ?? a.transactionsPerMonth) - (b.priceKopecks ?? b.transactionsPerMonth));
  const plan = sorted.find((p) => p.transactionsPerMonth >= high && p.webhooksPerMonth >= webhooks) ?? null;
  const n = (x: number) => x.toLocaleString('ru-RU').replace(/\u00a0/g, ' ');
  const steps = [
    polls
      ? `transactions ≈ orders × 3–4 + polling = ${n(input.orders)} × 3–4 + ${n(pollTx)} = ${n(low)}–${n(high)}; sizing for ${n(high)}`
      : `transactions ≈ orders × 3–4 = ${n(input.orders)} × 3–4 = ${n(low)}–${n(high)}; sizing for ${n(high)}`,
    ...(polls ? [`polling: ${n(polls.flows)} enabled polling flow(s) ≈ ${n(pollTx)} transactions a month at their intervals (at least one request per poll: a lower bound)`] : []),
    input.webhooks === undefined
      ? `webhooks ≈ up to 5 × order transactions = 5 × ${n(input.orders * 4)} = ${n(webhooks)}`
      : `webhooks = ${n(webhooks)} (given)`,
    plan
      ? `cheapest plan with ≥ ${n(high)} transactions and ≥ ${n(webhooks)} webhooks a month: ${plan.label} (${n(plan.transactionsPerMonth)} transactions, ${n(plan.webhooksPerMonth)} webhooks)`
      : `no plan covers ${n(high)} transactions and ${n(webhooks)} webhooks a month; the largest is ${sorted.at(-1)!.label}`,
  ];
  return { ordersPerMonth: input.orders, transactionsLow: low, transactionsHigh: high, webhooksPerMonth: webhooks, webhooksGiven: input.webhooks !== undefined, plan, polling: polls, steps };
}
