// "Catch a sample" for a polling trigger: one poll now, with the flow's saved cursor, that starts
// no execution and stores no cursor. A poll that has nothing new — always so for the very first
// poll, which only takes a starting point — is asked again from a look-back starting point, so
// the editor gets recent real events to map fields from.
import type { Logger } from 'pino';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import type { TriggerEvent } from '../connectors/types.ts';
import type { FlowRecord, Store } from '../store/types.ts';
import type { Connections } from './connections.ts';
import type { FlowDefinition } from './flow-schema.ts';
import { createConnectorHttp } from './outbound/http-client.ts';
import type { RateLimiter } from './outbound/rate-limiter.ts';
import type { PlansService } from '../plans/service.ts';

const MAX_EVENTS = 20;
const LOOKBACK_MS = 24 * 3600_000;

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
  logger: Logger;
  plans: PlansService;
}

/**
 * A cursor that makes the trigger report recent events, for the triggers that take a baseline on
 * their first poll. Connector-specific by necessity: the cursor is each trigger's own format.
 */
function lookbackCursor(connector: string, trigger: string, now: number): unknown {
  if (connector === 'calltouch' && trigger === 'order.new') return { seen: {} }; // every deal of the look-back window is "new"
  if (connector === 'retailcrm' && (trigger === 'order.created' || trigger === 'order.changed')) {
    const d = new Date(now - LOOKBACK_MS);
    const pad = (n: number) => String(n).padStart(2, '0');
    return { startDate: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` };
  }
  return undefined;
}

export async function pollSample(deps: PollSampleDeps, flow: FlowRecord): Promise<{ events: Array<Record<string, unknown>>; lookedBack: boolean }> {
  const def = flow.definition as FlowDefinition;
  const trigger = deps.connectors.flowTrigger(def.trigger);
  if (!trigger?.poll || (trigger.delivery !== 'poll' && trigger.delivery !== 'schedule')) {
    throw new NotPollableError('This flow\'s trigger is not polled: catch a sample by sending a webhook instead');
  }
  const connector = deps.connectors.get(def.trigger.connector)!;
  const conn = def.trigger.connection ? await deps.connections.open(flow.workspaceId, def.trigger.connection, connector.key) : null;
  // Like a connection test: requests to the user's own service, not metered.
  const http = createConnectorHttp({ limiter: deps.limiter, limitKey: conn?.id ?? `${flow.workspaceId}:${connector.key}`, ratePerSecond: connector.limits?.requestsPerSecond });
  const ctx = {
    auth: conn?.auth ?? {},
    http,
    logger: deps.logger,
    signal: AbortSignal.timeout(60_000),
    options: def.trigger.options,
    flowId: flow.id,
    parsingDays: deps.plans.planOf(flow.workspaceId).marketplaceParsingDays,
  };
  const state = await deps.store.getTriggerCursor(flow.id);
  let events: TriggerEvent[] = (await trigger.poll(ctx, state?.cursor)).events;
  let lookedBack = false;
  if (events.length === 0) {
    const cursor = lookbackCursor(connector.key, trigger.id, Date.now());
    if (cursor !== undefined) {
      events = (await trigger.poll(ctx, cursor)).events;
      lookedBack = true;
    }
  }
  // Services list oldest first: keep the latest, newest first.
  return { events: events.slice(-MAX_EVENTS).reverse().map((e) => e.payload), lookedBack };
}
