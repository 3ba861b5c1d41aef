// Real contexts for calling the RetailCRM connector directly: the engine's HTTP client and local
// rate limiter against a sandbox on loopback.
import pino from 'pino';
import { createConnectorHttp } from '../../../src/engine/outbound/http-client.ts';
import { LocalRateLimiter } from '../../../src/engine/outbound/rate-limiter.ts';
import type { ActionContext, AuthValues, TriggerContext } from '../../../src/connectors/types.ts';
import { ConnectorRegistry, builtinConnectors } from '../../../src/connectors/registry.ts';

export const limiter = new LocalRateLimiter();
const logger = pino({ level: 'silent' });

export interface Counted {
  requests: number;
}

export function actionCtx(auth: AuthValues, opts: { idempotencyKey?: string; limitKey?: string; rate?: number } = {}): ActionContext & Counted {
  const counter = { requests: 0 };
  const http = createConnectorHttp({
    limiter,
    limitKey: opts.limitKey ?? 'retailcrm-test',
    ratePerSecond: opts.rate ?? 10,
    onRequest: () => counter.requests++,
  });
  const ctx = {
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
  return ctx;
}

export function triggerCtx(auth: AuthValues, options: Record<string, unknown> = {}): TriggerContext {
  const http = createConnectorHttp({ limiter, limitKey: 'retailcrm-test', ratePerSecond: 10 });
  return { auth, http, logger, signal: new AbortController().signal, options, flowId: 'flow-test' };
}

/** The build's connectors (RetailCRM among them). */
export function registryWithRetailcrm(): ConnectorRegistry {
  return builtinConnectors();
}
