// Flow lifecycle: save (validate, create or update by name, webhook token), enable/disable, and
// the view the API and CLI show (with the webhook URL for webhook-delivered triggers).
import { parse as parseYaml } from 'yaml';
import type { ConnectorRegistry } from '../connector-kit/registry.ts';
import { newId, newToken } from '../lib/ids.ts';
import type { FlowRecord, Store } from '../store/types.ts';
import type { FlowDefinition } from './flow-schema.ts';
import { pollEstimate, type PollEstimate } from './poll-estimate.ts';
import { FlowValidationError, validateFlow } from './validate-flow.ts';

export interface FlowView {
  id: string;
  name: string;
  enabled: boolean;
  version: number;
  webhookUrl: string | null;
  /** For webhook triggers whose connector explains it: how to set the service up to call webhookUrl. */
  setupInstructions: string | null;
  /** Polling triggers: polls and (at least) transactions a month at the flow's interval; null otherwise. */
  pollEstimate: PollEstimate | null;
  createdAt: string;
  updatedAt: string;
  definition: FlowDefinition;
}

export interface FlowEvents {
  /** Called after a flow is saved, enabled, disabled or deleted. */
  flowChanged(flow: FlowRecord | null, previousHookToken: string | null): void;
}

interface FlowsDeps {
  store: Store;
  connectors: ConnectorRegistry;
  publicUrl: string;
  events?: FlowEvents[];
  /** Whether the workspace's templates may use `{{env.*}}`; every workspace when not given. */
  envAllowed?: (workspaceId: string) => Promise<boolean>;
}

export class Flows {
  private readonly deps: FlowsDeps & { events: FlowEvents[] };

  constructor(deps: FlowsDeps) {
    this.deps = { ...deps, events: deps.events ?? [] };
  }

  onChange(listener: FlowEvents): void {
    this.deps.events.push(listener);
  }

  /** Parses a flow file's text: JSON, or YAML when it does not start with `{`. */
  static parseText(text: string): unknown {
    const trimmed = text.trimStart();
    try {
      return trimmed.startsWith('{') ? JSON.parse(trimmed) : parseYaml(text);
    } catch (error) {
      throw new FlowValidationError([{ path: '(file)', message: `not valid JSON or YAML: ${(error as Error).message}` }]);
    }
  }

  /**
   * Validates and stores a flow. With `id`, updates that flow; otherwise creates a flow, or
   * updates the workspace's flow of the same name (import semantics).
   */
  async save(workspaceId: string, raw: unknown, id?: string): Promise<FlowRecord> {
    const envAllowed = this.deps.envAllowed ? await this.deps.envAllowed(workspaceId) : true;
    const connections = new Map((await this.deps.store.listConnections(workspaceId)).map((c) => [c.name, c.connector]));
    const definition = validateFlow(raw, this.deps.connectors, { envAllowed, connections });
    const { store } = this.deps;
    const existing = id ? await store.getFlow(workspaceId, id) : await store.getFlowByName(workspaceId, definition.name);
    if (id && !existing) throw new FlowNotFoundError();
    const sameName = await store.getFlowByName(workspaceId, definition.name);
    if (sameName && existing && sameName.id !== existing.id) {
      throw new FlowValidationError([{ path: 'name', message: `another flow is already named "${definition.name}"` }]);
    }
    const trigger = this.deps.connectors.flowTrigger(definition.trigger);
    const wantsHook = trigger?.delivery === 'webhook';
    const hookToken = wantsHook ? (existing?.hookToken ?? newToken()) : null;
    const saved = await store.saveFlow({
      id: existing?.id ?? newId('fl'),
      workspaceId,
      name: definition.name,
      enabled: definition.enabled,
      definition,
      hookToken,
    });
    this.emit(saved, existing?.hookToken ?? null);
    return saved;
  }

  async setEnabled(workspaceId: string, id: string, enabled: boolean): Promise<FlowRecord | undefined> {
    const flow = await this.deps.store.getFlow(workspaceId, id);
    if (!flow) return undefined;
    // The stored definition carries `enabled` too, so export/import round-trips it.
    const saved = await this.deps.store.saveFlow({ ...flow, enabled, definition: { ...(flow.definition as object), enabled } });
    this.emit(saved, flow.hookToken);
    return saved;
  }

  async remove(workspaceId: string, id: string): Promise<boolean> {
    const flow = await this.deps.store.getFlow(workspaceId, id);
    if (!flow) return false;
    const deleted = await this.deps.store.deleteFlow(workspaceId, id);
    this.emit(null, flow.hookToken);
    return deleted;
  }

  view(flow: FlowRecord): FlowView {
    const definition = flow.definition as FlowDefinition;
    const webhookUrl = flow.hookToken ? `${this.deps.publicUrl}/hooks/${flow.hookToken}` : null;
    const trigger = this.deps.connectors.flowTrigger(definition.trigger);
    return {
      id: flow.id,
      name: flow.name,
      enabled: flow.enabled,
      version: flow.version,
      webhookUrl,
      setupInstructions: webhookUrl && trigger?.setupInstructions ? trigger.setupInstructions(webhookUrl) : null,
      pollEstimate: pollEstimate(trigger, definition.trigger.options ?? {}),
      createdAt: new Date(flow.createdAt).toISOString(),
      updatedAt: new Date(flow.updatedAt).toISOString(),
      definition,
    };
  }

  /**
   * A polling flow's trigger state: when it last polled, why that poll failed (null when it went
   * through: the flow shows a bad key or a service that is down), and the trigger's counters.
   */
  async pollState(flow: FlowRecord): Promise<{ lastPollAt: string | null; lastError: string | null; stats: Record<string, number> } | null> {
    const trigger = this.deps.connectors.flowTrigger((flow.definition as FlowDefinition).trigger);
    if (trigger?.delivery !== 'poll') return null;
    const state = await this.deps.store.getTriggerCursor(flow.id);
    return {
      lastPollAt: state?.lastRunAt ? new Date(state.lastRunAt).toISOString() : null,
      lastError: state?.lastError ?? null,
      stats: state && trigger.pollStats ? trigger.pollStats(state.cursor) : {},
    };
  }

  private emit(flow: FlowRecord | null, previousHookToken: string | null): void {
    for (const listener of this.deps.events) listener.flowChanged(flow, previousHookToken);
  }
}

export class FlowNotFoundError extends Error {
  constructor() {
    super('Flow not found');
    this.name = 'FlowNotFoundError';
  }
}
