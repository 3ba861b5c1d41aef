// Real contexts for calling a connector's actions and triggers directly in tests: the engine's
// HTTP client and one shared local rate limiter, against a sandbox on loopback (which the outbound
// guard here allows, as SVYAZKA_OUTBOUND_ALLOW=127.0.0.1,::1 would).
import pino from 'pino';
import { parseAllowList } from '../../src/engine/outbound/allow-list.ts';
import { OutboundGuard } from '../../src/engine/outbound/guard.ts';
import { createConnectorHttp } from '../../src/engine/outbound/http-client.ts';
import { LocalRateLimiter } from '../../src/engine/outbound/rate-limiter.ts';
import { actionInputFields, parseOrFail } from '../../src/connector-kit/fields.ts';
import type { ActionContext, ActionDefinition, AuthValues, TriggerContext } from '../../src/connector-kit/types.ts';

export const limiter = new LocalRateLimiter();
/** The guard with loopback allowed: tests' services listen there. */
export const loopbackGuard = new OutboundGuard({ allow: parseAllowList('127.0.0.1,::1') });
const logger = pino({ level: 'silent' });

export interface Counted {
  /** Requests this context's client has sent. */
  requests: number;
}

export function actionContext(auth: AuthValues, opts: { limitKey: string; rate: number; idempotencyKey?: string }): ActionContext & Counted {
  const counter = { requests: 0 };
  const http = createConnectorHttp({ guard: loopbackGuard, limiter, limitKey: opts.limitKey, ratePerSecond: opts.rate, onRequest: () => counter.requests++ });
  return {
    auth,
    http,
    logger,
    signal: new AbortController().signal,
    idempotencyKey: opts.idempotencyKey ?? `svz-test-${Math.random().toString(36).slice(2)}`,
    executionId: 'ex-test',
    stepId: 'step',
    get requests() {
      return counter.requests;
    },
  };
}

export function triggerContext(auth: AuthValues, options: Record<string, unknown>, opts: { limitKey: string; rate: number }): TriggerContext {
  const http = createConnectorHttp({ guard: loopbackGuard, limiter, limitKey: opts.limitKey, ratePerSecond: opts.rate });
  return { auth, http, logger, signal: new AbortController().signal, options, flowId: 'flow-test' };
}

/** The action as the engine calls it: its input coerced by the field types first (connector-kit/fields.ts). */
export function asEngineCalls(def: ActionDefinition): ActionDefinition {
  return { ...def, run: async (ctx, input) => def.run(ctx, parseOrFail(actionInputFields(def), input, 'Входные данные / Input')) };
}
