// The instance operator's own routes: every workspace with its plan, trial and balance, the
// operators, and the instance settings (trial end, who creates workspaces).
import type { Services } from '../../services.ts';
import { settingsSchema, SettingsError } from '../../plans/instance-settings.ts';
import { ApiError, type ApiRouter } from '../router.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function registerOperatorRoutes(api: ApiRouter, s: Services): void {
  api.add({
    method: 'GET', url: '/operator/workspaces', summary: 'Operator: every workspace with its plan, trial end, balance and number of members', tag: 'operator', role: 'operator', instance: true,
    async handler() {
      const all = await s.store.access.listAllWorkspaces();
      const items = [];
      for (const w of all) {
        // Loads (or starts) the billing and applies a trial's end, as any request of the workspace would.
        await s.plans.prepare(w.id);
        const billing = s.plans.billingOf(w.id);
        const plan = s.plans.planOf(w.id);
        items.push({
          id: w.id,
          slug: w.slug,
          name: w.name,
          createdAt: iso(w.createdAt),
          members: w.members,
          plan: { id: plan.id, label: plan.label },
          trialEndsAt: iso(billing?.trialEndsAt ?? null),
          trialEnded: s.plans.isTrialEnded(w.id),
          balanceKopecks: await s.store.plans.balance(w.id),
        });
      }
      return { items };
    },
  });
  api.add({
    method: 'GET', url: '/operator/operators', summary: 'Operator: the operators of this instance (add or remove them with `svyazka operator`)', tag: 'operator', role: 'operator', instance: true,
    async handler() {
      const items = await s.store.access.listOperators();
      return { items: items.map((o) => ({ ...o, since: iso(o.since) })) };
    },
  });
  api.add({
    method: 'GET', url: '/operator/settings', summary: 'Operator: instance settings (trialEnd, trialEndPlan, workspaceCreation), with the plan a trial drops to', tag: 'operator', role: 'operator', instance: true,
    async handler() {
      return settingsView(s);
    },
  });
  api.add({
    method: 'PATCH', url: '/operator/settings', summary: 'Operator: change instance settings; keys left out stay', tag: 'operator', role: 'operator', instance: true,
    audit: { action: 'operator.settings', target: () => ({ type: 'instance', id: 'settings' }), workspace: () => null, details: (c) => ({ changed: c.body }) },
    body: settingsSchema.partial(),
    async handler({ body }) {
      try {
        await s.settings.update(body);
      } catch (error) {
        if (error instanceof SettingsError) throw new ApiError(400, error.message, [{ path: `body.${error.field}`, message: error.message }]);
        throw error;
      }
      return settingsView(s);
    },
  });
}

async function settingsView(s: Services) {
  const settings = await s.settings.get();
  const policy = await s.settings.trialEndPolicy();
  return {
    ...settings,
    /** The plan a trial drops to under `downgrade` (trialEndPlan, or the cheapest when that is null). */
    trialEndPlanEffective: policy.action === 'downgrade' ? policy.planId : s.settings.cheapestPlan().id,
    plans: s.plans.catalog.plans.map((p) => ({ id: p.id, label: p.label })),
  };
}
