// Plans, usage, balance and notifications of the workspace. Everyone in it reads them; only the
// instance operator changes the plan or the balance (of any workspace, named in X-Workspace).
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { newId } from '../../lib/ids.ts';
import { suggestPlan } from '../../plans/calculator.ts';
import { ApiError, type ApiRouter } from '../router.ts';
import { auditLookups } from './audit.ts';

const iso = (ms: number) => new Date(ms).toISOString();

export function registerPlanRoutes(api: ApiRouter, s: Services): void {
  const A = auditLookups(s);
  api.add({
    method: 'GET', url: '/plans', summary: 'The plan catalog', tag: 'plans', role: null,
    async handler() {
      return { items: s.plans.catalog.plans, trialPlan: s.plans.catalog.trialPlan, trialDays: s.plans.catalog.trialDays };
    },
  });
  api.add({
    method: 'GET', url: '/plans/suggest', summary: 'The cheapest plan for a number of orders (and webhooks) a month, with the arithmetic', tag: 'plans', role: null,
    query: z.object({ orders: z.coerce.number().int().min(0).max(1e9), webhooks: z.coerce.number().int().min(0).max(1e12).optional() }),
    async handler({ query }) {
      return suggestPlan(s.plans.catalog, query);
    },
  });
  api.add({
    method: 'GET', url: '/usage', summary: 'Used / limit / remaining this month, 90 days by day, transactions per flow and connector, oldest kept webhook, disk usage (history, journals, data store; measured in the background) against the plan\'s limit', tag: 'plans', role: 'viewer',
    async handler({ workspaceId }) {
      const usage = await s.plans.usage(workspaceId);
      // Flows by name, as every list of the API; null for a flow deleted since.
      const names = await s.store.flowNames(workspaceId, usage.transactionsByFlow.map((f) => f.flowId));
      return { ...usage, transactionsByFlow: usage.transactionsByFlow.map((f) => ({ ...f, flowName: names.get(f.flowId) ?? null })) };
    },
  });
  api.add({
    method: 'PUT', url: '/billing/plan', summary: 'Operator: change the plan of the workspace in X-Workspace (effective at once; usage so far this month counts against the new plan; ends a trial)', tag: 'plans', role: 'operator',
    audit: { action: 'plan.change', target: (c) => ({ type: 'plan', id: c.body.planId, name: c.body.planId }), before: A.billing, details: (c) => ({ from: c.before?.planId ?? null, to: c.body.planId }) },
    body: z.object({ planId: z.string().min(1) }),
    async handler({ workspaceId, body }) {
      if (!s.plans.plan(body.planId)) throw new ApiError(400, `Unknown plan "${body.planId}"`);
      const plan = await s.plans.changePlan(workspaceId, body.planId);
      return { plan };
    },
  });
  api.add({
    method: 'GET', url: '/balance', summary: 'Balance and the ledger (newest first)', tag: 'plans', role: 'viewer',
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
    async handler({ workspaceId, query }) {
      const entries = await s.store.plans.listLedger(workspaceId, query.limit);
      return { balanceKopecks: await s.store.plans.balance(workspaceId), entries: entries.map((e) => ({ ...e, createdAt: iso(e.createdAt) })) };
    },
  });
  api.add({
    method: 'POST', url: '/balance/top-up', summary: 'Operator: record a top-up of the workspace in X-Workspace; cashback by the tiers is added as its own entry', tag: 'plans', role: 'operator', status: 201,
    audit: { action: 'balance.top_up', target: (c) => ({ type: 'balance', id: c.workspaceId }), details: (c) => ({ amountKopecks: c.body.amountKopecks }) },
    body: z.object({ amountKopecks: z.number().int().positive().max(1e13) }),
    async handler({ workspaceId, body, principal }) {
      return s.plans.topUp(workspaceId, body.amountKopecks, principal.userId ?? `token:${principal.tokenId}`);
    },
  });
  api.add({
    method: 'POST', url: '/balance/adjust', summary: 'Operator: append a manual adjustment (positive or negative) with its reason to the workspace in X-Workspace', tag: 'plans', role: 'operator', status: 201,
    audit: { action: 'balance.adjust', target: (c) => ({ type: 'balance', id: c.workspaceId }), details: (c) => ({ amountKopecks: c.body.amountKopecks, reason: c.body.reason }) },
    body: z.object({ amountKopecks: z.number().int().refine((n) => n !== 0, 'must not be 0').refine((n) => Math.abs(n) <= 1e13, 'too large'), reason: z.string().trim().min(3).max(500) }),
    async handler({ workspaceId, body, principal }) {
      const entry = { id: newId('led'), workspaceId, kind: 'adjustment' as const, amountKopecks: body.amountKopecks, reason: body.reason, actor: principal.userId ?? `token:${principal.tokenId}`, createdAt: Date.now() };
      await s.store.plans.appendLedger([entry]);
      return { entry: { ...entry, createdAt: iso(entry.createdAt) }, balanceKopecks: await s.store.plans.balance(workspaceId) };
    },
  });
  api.add({
    method: 'GET', url: '/notifications', summary: 'Quota warnings (80 % and 100 %) and other notices, newest first', tag: 'plans', role: 'viewer',
    async handler({ workspaceId }) {
      const items = await s.store.plans.listNotifications(workspaceId, 100);
      return { items: items.map((n) => ({ ...n, createdAt: iso(n.createdAt) })) };
    },
  });
}
