// Contexts for calling the Wildberries connector directly against its sandbox on loopback: the
// engine's HTTP client and local limiter, a frozen clock shared with the sandbox, the plan's
// parsing period as the engine would pass it.
import type { AuthValues, TriggerContext, TriggerDefinition } from '../../../src/connector-kit/types.ts';
import { wildberriesConnector } from '../../../src/connectors/wildberries/index.ts';
import { startWildberriesSandbox, type WildberriesSandbox, type WildberriesSandboxOptions } from '../../../src/connectors/wildberries/sandbox.ts';
import { actionContext, asEngineCalls, triggerContext, type Counted } from '../../support/connector-ctx.ts';
import type { ActionContext } from '../../../src/connector-kit/types.ts';

/** A fixed "now" for the sandbox and the polls: 2025-06-15 12:00 UTC. */
export const NOW = Date.UTC(2025, 5, 15, 12, 0, 0);
export const DAY_MS = 86_400_000;

export interface Clock {
  now: number;
}

export async function sandboxAt(clock: Clock, opts: WildberriesSandboxOptions = {}): Promise<WildberriesSandbox> {
  return startWildberriesSandbox({ retryAfterSeconds: 0, now: () => clock.now, ...opts });
}

export function trigger(id: string): TriggerDefinition {
  return wildberriesConnector.triggers.find((t) => t.id === id)!;
}

export const action = (id: string) => asEngineCalls(wildberriesConnector.actions.find((a) => a.id === id)!);

// A generous rate: these tests count requests, they do not time them.
export function triggerCtx(auth: AuthValues, clock: Clock, opts: { options?: Record<string, unknown>; parsingDays?: number } = {}): TriggerContext {
  const ctx = triggerContext(auth, opts.options ?? {}, { limitKey: `wb-test-${Math.random()}`, rate: 1000 });
  return { ...ctx, parsingDays: opts.parsingDays ?? 60, now: () => new Date(clock.now) };
}

export function actionCtx(auth: AuthValues): ActionContext & Counted {
  return actionContext(auth, { limitKey: `wb-test-${Math.random()}`, rate: 1000 });
}
