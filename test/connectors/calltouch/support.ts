// Real contexts for calling the Calltouch connector directly: the engine's HTTP client and local
// rate limiter (at the connector's own 5 req/s) against a sandbox on loopback.
import pino from 'pino';
import { createConnectorHttp } from '../../../src/engine/outbound/http-client.ts';
import { LocalRateLimiter } from '../../../src/engine/outbound/rate-limiter.ts';
import type { ActionContext, AuthValues, TriggerContext } from '../../../src/connectors/types.ts';
import { calltouchConnector } from '../../../src/connectors/calltouch/index.ts';

export const limiter = new LocalRateLimiter();
const logger = pino({ level: 'silent' });
const RATE = calltouchConnector.limits!.requestsPerSecond;

export interface Counted {
  requests: number;
}

export function actionCtx(auth: AuthValues, opts: { idempotencyKey?: string; limitKey?: string; rate?: number } = {}): ActionContext & Counted {
  const counter = { requests: 0 };
  const http = createConnectorHttp({ limiter, limitKey: opts.limitKey ?? 'calltouch-test', ratePerSecond: opts.rate ?? RATE, onRequest: () => counter.requests++ });
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

export function triggerCtx(auth: AuthValues, options: Record<string, unknown> = {}, limitKey = 'calltouch-test'): TriggerContext {
  const http = createConnectorHttp({ limiter, limitKey, ratePerSecond: RATE });
  return { auth, http, logger, signal: new AbortController().signal, options, flowId: 'flow-test' };
}

export const action = (id: string) => calltouchConnector.actions.find((a) => a.id === id)!;
