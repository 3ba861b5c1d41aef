// Samples for the editor's field picker, taken like a connection test (the user's own service,
// not metered), starting no execution and storing no cursor:
// - a polling trigger polls once with the flow's saved cursor; a poll that has nothing new —
//   always so for the very first poll, which only takes a starting point — is asked again from
//   the trigger's `sampleCursor`, so the editor gets recent real events to map fields from;
// - a caught webhook goes through the trigger's `prepare` (RetailCRM's trigger sends only the
//   order id; prepare loads the whole order), so the sample shows what steps will see.
import type { Logger } from 'pino';
import { triggerOptions } from '../connector-kit/fields.ts';
import type { ConnectorRegistry } from '../connector-kit/registry.ts';
import type { TriggerContext, TriggerEvent } from '../connector-kit/types.ts';
import type { FlowRecord, Store } from '../store/types.ts';
import type { Connections, OpenConnection } from './connections.ts';
import type { FlowDefinition } from './flow-schema.ts';
import { openConnectorContext, openNamedConnection } from './connector-context.ts';
import type { RateLimiter } from './outbound/rate-limiter.ts';
import type { OutboundGuard } from './outbound/guard.ts';
import type { PlansService } from '../plans/service.ts';

const MAX_EVENTS = 20;
const SAMPLE_TIMEOUT_MS = 60_000;

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

function triggerConnection(deps: PollSampleDeps, flow: FlowRecord, def: FlowDefinition): Promise<OpenConnection | null> {
  return openNamedConnection(deps.connections, flow.workspaceId, def.trigger.connection, deps.connectors.get(def.trigger.connector)!);
}

function sampleContext(deps: PollSampleDeps, flow: FlowRecord, def: FlowDefinition, conn: OpenConnection | null): { ctx: TriggerContext; close: () => void } {
  const connector = deps.connectors.get(def.trigger.connector)!;
  const trigger = deps.connectors.flowTrigger(def.trigger)!;
  // Like a connection test: requests to the user's own service, not metered.
  const context = openConnectorContext(deps, {
    workspaceId: flow.workspaceId,
    connector,
    connection: conn,
    metering: { kind: 'unmetered', why: 'sample' },
    deadline: { ms: SAMPLE_TIMEOUT_MS, label: 'Sample' },
  });
  return {
    ctx: {
      auth: context.auth,
      http: context.http,
      logger: deps.logger,
      signal: context.signal,
      options: triggerOptions(trigger, def.trigger.options),
      flowId: flow.id,
      parsingDays: deps.plans.planOf(flow.workspaceId).marketplaceParsingDays,
    },
    close: context.close,
  };
}

export async function pollSample(deps: PollSampleDeps, flow: FlowRecord): Promise<{ events: Array<Record<string, unknown>>; lookedBack: boolean }> {
  const def = flow.definition as FlowDefinition;
  const trigger = deps.connectors.flowTrigger(def.trigger);
  if (!trigger?.poll || (trigger.delivery !== 'poll' && trigger.delivery !== 'schedule')) {
    throw new NotPollableError('This flow\'s trigger is not polled: catch a sample by sending a webhook instead');
  }
  const { ctx, close } = sampleContext(deps, flow, def, await triggerConnection(deps, flow, def));
  let events: TriggerEvent[];
  let lookedBack = false;
  try {
    const state = await deps.store.getTriggerCursor(flow.id);
    events = (await trigger.poll(ctx, state?.cursor)).events;
    if (events.length === 0) {
      const cursor = trigger.sampleCursor?.(new Date());
      if (cursor !== undefined) {
        events = (await trigger.poll(ctx, cursor)).events;
        lookedBack = true;
      }
    }
  } finally {
    close();
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
  const { ctx, close } = sampleContext(deps, flow, def, await triggerConnection(deps, flow, def));
  try {
    return (await trigger.prepare(ctx, body as Record<string, unknown>)).payload;
  } finally {
    close();
  }
}
