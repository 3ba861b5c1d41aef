// Samples for the editor's field picker, taken like a connection test (the user's own service,
// not metered), starting no execution and storing no cursor:
// - a polling trigger polls once with the flow's saved cursor; a poll that has nothing new —
//   always so for the very first poll, which only takes a starting point — is asked again from
//   the trigger's `sampleCursor`, so the editor gets recent real events to map fields from;
// - a caught webhook goes through the trigger's `prepare` (RetailCRM's trigger sends only the
//   order id; prepare loads the whole order), so the sample shows what steps will see.
import type { Logger } from 'pino';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import type { TriggerContext, TriggerEvent } from '../connectors/types.ts';
import type { FlowRecord, Store } from '../store/types.ts';
import type { Connections } from './connections.ts';
import type { FlowDefinition } from './flow-schema.ts';
import { createConnectorHttp } from './outbound/http-client.ts';
import type { RateLimiter } from './outbound/rate-limiter.ts';
import type { OutboundGuard } from './outbound/guard.ts';
import type { PlansService } from '../plans/service.ts';

const MAX_EVENTS = 20;

export class NotPollableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotPollableError';
  }
}

export interface PollSampleDeps {
  store: Store;
  connectors: ConnectorRegistry;
  connections: Connections;
  limiter: RateLimiter;
  outbound: OutboundGuard;
  logger: Logger;
  plans: PlansService;
}

async function sampleContext(deps: PollSampleDeps, flow: FlowRecord, def: FlowDefinition): Promise<TriggerContext> {
  const connector = deps.connectors.get(def.trigger.connector)!;
  const conn = def.trigger.connection ? await deps.connections.open(flow.workspaceId, def.trigger.connection, connector.key) : null;
  // Like a connection test: requests to the user's own service, not metered.
  const http = createConnectorHttp({ guard: deps.outbound, limiter: deps.limiter, limitKey: conn?.id ?? `${flow.workspaceId}:${connector.key}`, ratePerSecond: connector.limits?.requestsPerSecond });
  return {
    auth: conn?.auth ?? {},
    http,
    logger: deps.logger,
    signal: AbortSignal.timeout(60_000),
    options: def.trigger.options,
    flowId: flow.id,
    parsingDays: deps.plans.planOf(flow.workspaceId).marketplaceParsingDays,
  };
}

export async function pollSample(deps: PollSampleDeps, flow: FlowRecord): Promise<{ events: Array<Record<string, unknown>>; lookedBack: boolean }> {
  const def = flow.definition as FlowDefinition;
  const trigger = deps.connectors.flowTrigger(def.trigger);
  if (!trigger?.poll || (trigger.delivery !== 'poll' && trigger.delivery !== 'schedule')) {
    throw new NotPollableError('This flow\'s trigger is not polled: catch a sample by sending a webhook instead');
  }
  const ctx = await sampleContext(deps, flow, def);
  const state = await deps.store.getTriggerCursor(flow.id);
  let events: TriggerEvent[] = (await trigger.poll(ctx, state?.cursor)).events;
  let lookedBack = false;
  if (events.length === 0) {
    const cursor = trigger.sampleCursor?.(new Date());
    if (cursor !== undefined) {
      events = (await trigger.poll(ctx, cursor)).events;
      lookedBack = true;
    }
  }
  // Services list oldest first: keep the latest, newest first.
  return { events: events.slice(-MAX_EVENTS).reverse().map((e) => e.payload), lookedBack };
}

/**
 * The event a stored webhook body becomes for the flow's steps: the trigger's `prepare` when it
 * has one, else the body itself.
 */
export async function prepareSample(deps: PollSampleDeps, flow: FlowRecord, body: unknown): Promise<unknown> {
  const def = flow.definition as FlowDefinition;
  const trigger = deps.connectors.flowTrigger(def.trigger);
  if (!trigger?.prepare || !body || typeof body !== 'object' || Array.isArray(body)) return body;
  const event = await trigger.prepare(await sampleContext(deps, flow, def), body as Record<string, unknown>);
  return event.payload;
}
