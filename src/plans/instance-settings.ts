// The operator's instance settings, kept in the database: what happens when a trial ends, and who
// may create workspaces. Read often (every trial-ended workspace's webhook), so cached briefly; a
// change through the API drops the cache at once, one through the CLI (another process) when the
// server reads it from the change feed (engine/change-feed.ts, within about a second).
import { z } from 'zod';
import type { AccessStore, Principal } from '../store/types.ts';
import type { Plan, PlanCatalog } from './catalog.ts';

const CACHE_MS = 5_000;

export const settingsSchema = z.strictObject({
  /** `downgrade`: the workspace moves to `trialEndPlan`; `wait`: its executions wait and webhooks get 429 until the operator picks a plan. */
  trialEnd: z.enum(['downgrade', 'wait']),
  /** The plan a trial drops to; null: the cheapest plan of the catalog (fewest transactions a month). */
  trialEndPlan: z.string().min(1).max(40).nullable(),
  /** `auto`: anyone while the instance has one user, operators only once a second user exists. */
  workspaceCreation: z.enum(['auto', 'anyone', 'operators']),
});

export type InstanceSettings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: InstanceSettings = { trialEnd: 'downgrade', trialEndPlan: null, workspaceCreation: 'auto' };

export type TrialEndPolicy = { action: 'downgrade'; planId: string } | { action: 'wait' };

export class InstanceSettingsService {
  private readonly store: AccessStore;
  private readonly catalog: PlanCatalog;
  private cached: { value: InstanceSettings; at: number } | null = null;

  constructor(deps: { store: AccessStore; catalog: PlanCatalog }) {
    this.store = deps.store;
    this.catalog = deps.catalog;
  }

  /** The plan with the fewest transactions a month (ties: the first in the catalog). */
  cheapestPlan(): Plan {
    return this.catalog.plans.reduce((a, b) => (b.transactionsPerMonth < a.transactionsPerMonth ? b : a));
  }

  async get(): Promise<InstanceSettings> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < CACHE_MS) return this.cached.value;
    const raw = await this.store.readSettings();
    const value = { ...DEFAULT_SETTINGS };
    // Each key on its own: one bad value (a hand-edited row) falls back to its default only.
    for (const key of Object.keys(DEFAULT_SETTINGS) as Array<keyof InstanceSettings>) {
      const parsed = settingsSchema.shape[key].safeParse(raw[key]);
      if (key in raw && parsed.success) (value as Record<string, unknown>)[key] = parsed.data;
    }
    this.cached = { value, at: now };
    return value;
  }

  /** Validates and stores the given keys; returns the settings now in force. */
  async update(patch: Partial<InstanceSettings>, now = Date.now()): Promise<InstanceSettings> {
    const parsed = settingsSchema.partial().parse(patch);
    if (parsed.trialEndPlan && !this.catalog.plans.some((p) => p.id === parsed.trialEndPlan)) {
      throw new SettingsError('trialEndPlan', `Unknown plan "${parsed.trialEndPlan}" (plans: ${this.catalog.plans.map((p) => p.id).join(', ')})`);
    }
    await this.store.writeSettings(parsed, now);
    this.cached = null;
    return this.get();
  }

  /** Forgets the cached settings (changed, maybe by another process). */
  invalidate(): void {
    this.cached = null;
  }

  async trialEndPolicy(): Promise<TrialEndPolicy> {
    const s = await this.get();
    if (s.trialEnd === 'wait') return { action: 'wait' };
    const planId = s.trialEndPlan && this.catalog.plans.some((p) => p.id === s.trialEndPlan) ? s.trialEndPlan : this.cheapestPlan().id;
    return { action: 'downgrade', planId };
  }

  /** Who may create a workspace: never an API token; an operator always; others by the setting. */
  async mayCreateWorkspace(principal: Principal): Promise<{ ok: true } | { ok: false; message: string }> {
    if (principal.tokenId !== null || !principal.userId) {
      return { ok: false, message: 'API tokens cannot create workspaces: sign in as a user (Токен API не создаёт пространства)' };
    }
    if (principal.operator) return { ok: true };
    const { workspaceCreation } = await this.get();
    const anyone = workspaceCreation === 'anyone' || (workspaceCreation === 'auto' && (await this.store.countUsers()) <= 1);
    return anyone
      ? { ok: true }
      : { ok: false, message: 'Only an operator of this instance creates workspaces; ask them (Пространства создаёт оператор)' };
  }
}

/** A setting's value was refused: names the field. */
export class SettingsError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'SettingsError';
    this.field = field;
  }
}
