// Real contexts for calling the Calltouch connector directly: the engine's HTTP client and local
// rate limiter (at the connector's own 5 req/s) against a sandbox on loopback.
import type { ActionContext, AuthValues, TriggerContext } from '../../../src/connector-kit/types.ts';
import { calltouchConnector } from '../../../src/connectors/calltouch/index.ts';
import { actionContext, asEngineCalls, triggerContext, type Counted } from '../../support/connector-ctx.ts';

export { limiter, type Counted } from '../../support/connector-ctx.ts';
const RATE = calltouchConnector.limits!.requestsPerSecond;

export function actionCtx(auth: AuthValues, opts: { idempotencyKey?: string; limitKey?: string; rate?: number } = {}): ActionContext & Counted {
  return actionContext(auth, { limitKey: opts.limitKey ?? 'calltouch-test', rate: opts.rate ?? RATE, idempotencyKey: opts.idempotencyKey });
}

export function triggerCtx(auth: AuthValues, options: Record<string, unknown> = {}, limitKey = 'calltouch-test'): TriggerContext {
  return triggerContext(auth, options, { limitKey, rate: RATE });
}

export const action = (id: string) => asEngineCalls(calltouchConnector.actions.find((a) => a.id === id)!);
