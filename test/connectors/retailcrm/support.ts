// Real contexts for calling the RetailCRM connector directly: the engine's HTTP client and local
// rate limiter against a sandbox on loopback.
import type { ActionContext, AuthValues, TriggerContext } from '../../../src/connector-kit/types.ts';
import { ConnectorRegistry } from '../../../src/connector-kit/registry.ts';
import { builtinConnectors } from '../../../src/connectors/index.ts';
import { retailcrmConnector } from '../../../src/connectors/retailcrm/index.ts';
import { actionContext, asEngineCalls, triggerContext, type Counted } from '../../support/connector-ctx.ts';

export { limiter, type Counted } from '../../support/connector-ctx.ts';

export function actionCtx(auth: AuthValues, opts: { idempotencyKey?: string; limitKey?: string; rate?: number } = {}): ActionContext & Counted {
  return actionContext(auth, { limitKey: opts.limitKey ?? 'retailcrm-test', rate: opts.rate ?? 10, idempotencyKey: opts.idempotencyKey });
}

export function triggerCtx(auth: AuthValues, options: Record<string, unknown> = {}): TriggerContext {
  return triggerContext(auth, options, { limitKey: 'retailcrm-test', rate: 10 });
}

/** The build's connectors (RetailCRM among them). */
export function registryWithRetailcrm(): ConnectorRegistry {
  return builtinConnectors();
}

/** A RetailCRM action as the engine calls it (input coerced by field type first). */
export const action = (id: string) => asEngineCalls(retailcrmConnector.actions.find((a) => a.id === id)!);
