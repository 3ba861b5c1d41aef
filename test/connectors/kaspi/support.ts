// Contexts for calling the Kaspi connector directly, as the engine would: the engine's HTTP client
// and a local rate limiter against the sandbox on loopback, a test clock, the plan's parsing period.
import type { ActionDefinition, AuthValues, TriggerContext, TriggerDefinition } from '../../../src/connector-kit/types.ts';
import { kaspiConnector } from '../../../src/connectors/kaspi/index.ts';
import { actionContext, asEngineCalls, triggerContext } from '../../support/connector-ctx.ts';

export const trigger = (id: string): TriggerDefinition => kaspiConnector.triggers.find((t) => t.id === id)!;
export const action = (id: string): ActionDefinition => asEngineCalls(kaspiConnector.actions.find((a) => a.id === id)!);

export function triggerCtx(auth: AuthValues, options: Record<string, unknown>, opts: { now: () => number; parsingDays?: number }): TriggerContext {
  return { ...triggerContext(auth, options, { limitKey: `kaspi-test-${Math.random()}`, rate: 1000 }), parsingDays: opts.parsingDays ?? 60, now: () => new Date(opts.now()) };
}

export function actionCtx(auth: AuthValues) {
  return actionContext(auth, { limitKey: `kaspi-test-${Math.random()}`, rate: 1000 });
}

/** The creationDate window of each GET /orders the sandbox answered (not code lookups). */
export function windows(requests: Array<{ path: string; query: Record<string, string>; status: number }>): Array<{ ge: number; le: number; state: string; page: number; status: number }> {
  return requests
    .filter((r) => r.path === '/orders' && r.query['filter[orders][creationDate][$ge]'] !== undefined)
    .map((r) => ({
      ge: Number(r.query['filter[orders][creationDate][$ge]']),
      le: Number(r.query['filter[orders][creationDate][$le]']),
      state: r.query['filter[orders][state]'],
      page: Number(r.query['page[number]']),
      status: r.status,
    }));
}
