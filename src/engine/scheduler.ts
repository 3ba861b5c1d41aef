// Timers for triggers the engine drives itself: `schedule` (cron) and `poll` (ask a service what
// is new). New executions and the advanced cursor are stored in one write, so an event is never
// lost nor delivered twice across restarts.
import type { Logger } from 'pino';
import { triggerOptions } from '../connector-kit/fields.ts';
import type { ConnectorRegistry } from '../connector-kit/registry.ts';
import type { TriggerDefinition } from '../connector-kit/types.ts';
import { newId } from '../lib/ids.ts';
import type { Metrics } from '../metrics.ts';
import type { ExecutionQueue } from '../queue/types.ts';
import type { FlowRecord, NewExecution, Store } from '../store/types.ts';
import type { Connections } from './connections.ts';
import type { FlowDefinition } from './flow-schema.ts';
import type { FlowEvents } from './flows.ts';
import { openConnectorContext, openNamedConnection } from './connector-context.ts';
import type { RateLimiter } from './outbound/rate-limiter.ts';
import type { OutboundGuard } from './outbound/guard.ts';
import { dayOf, monthOf } from '../plans/periods.ts';
import type { PlansService } from '../plans/service.ts';
import { circuitErrorOf, type CircuitBreaker } from './outbound/circuit-breaker.ts';
import { DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from './retry-policy.ts';

const DEFAULT_POLL_MS = 60_000;
/** A failing poll waits longer after each failure in a row (the retry policy's schedule), at most this long. */
const ERROR_BACKOFF_MAX_MS = 15 * 60_000;
const POLL_TIMEOUT_MS = 300_000;

export interface SchedulerDeps {
  store: Store;
  queue: ExecutionQueue;
  connectors: ConnectorRegistry;
  connections: Connections;
  limiter: RateLimiter;
  outbound: OutboundGuard;
  logger: Logger;
  metrics: Metrics;
  plans: PlansService;
  /** The backoff of a failing poll (the instance's retry policy); its cursor stays where it was. */
  retry?: RetryPolicy;
  /** Services' circuits: a poll of a service that is down waits for its next probe (it may be that probe). */
  breaker?: CircuitBreaker;
  /**
   * Distributed: each poll holds the store's lease on its trigger (claimPoll), renewed while it runs
   * and given up after, so a former leader still finishing a poll and the new leader never poll one
   * flow at once.
   */
  pollLease?: { owner: string; leaseMs: number };
}

export class TriggerScheduler implements FlowEvents {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** What each timer was armed from, so hearing of the same change twice leaves the timer alone. */
  private readonly armedFrom = new Map<string, string>();
  private readonly running = new Set<string>();
  /** Failed polls in a row, per flow: the backoff grows with it. */
  private readonly failures = new Map<string, number>();
  private stopped = false;
  private readonly deps: SchedulerDeps;

  constructor(deps: SchedulerDeps) {
    this.deps = deps;
  }

  async start(): Promise<void> {
    this.stopped = false;
    for (const flow of await this.deps.store.listEnabledFlows()) this.arm(flow);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.armedFrom.clear();
  }

  /** Idempotent: the change feed reports this process's own changes again. */
  flowChanged(flow: FlowRecord | null): void {
    if (!flow) return;
    if (flow.enabled && this.timers.has(flow.id) && this.armedFrom.get(flow.id) === revisionOf(flow)) return;
    this.disarm(flow.id);
    if (flow.enabled) this.arm(flow);
  }

  /** Whether a timer is set for the flow (tests, the change-feed bench). */
  isArmed(flowId: string): boolean {
    return this.timers.has(flowId);
  }

  /** After missed changes: timers for exactly the enabled flows, each from its stored revision. */
  async resync(): Promise<void> {
    if (this.stopped) return;
    const enabled = await this.deps.store.listEnabledFlows();
    const ids = new Set(enabled.map((f) => f.id));
    for (const id of [...this.timers.keys()]) if (!ids.has(id)) this.disarm(id);
    for (const flow of enabled) this.flowChanged(flow);
  }

  /** Removes the timer of a deleted flow (flowChanged gets null then, so callers pass the id). */
  disarm(flowId: string): void {
    const timer = this.timers.get(flowId);
    if (timer) clearTimeout(timer);
    this.timers.delete(flowId);
    this.armedFrom.delete(flowId);
  }

  private triggerOf(flow: FlowRecord): { def: FlowDefinition; trigger: TriggerDefinition } | null {
    const def = flow.definition as FlowDefinition;
    const trigger = this.deps.connectors.flowTrigger(def.trigger);
    if (!trigger || (trigger.delivery !== 'poll' && trigger.delivery !== 'schedule')) return null;
    return { def, trigger };
  }

  private arm(flow: FlowRecord, delayOverride?: number): void {
    if (this.stopped) return;
    const found = this.triggerOf(flow);
    if (!found) return;
    const { def, trigger } = found;
    const delay =
      delayOverride ??
      trigger.nextRunDelayMs?.(def.trigger.options, new Date()) ??
      Number(def.trigger.options.intervalSeconds ?? DEFAULT_POLL_MS / 1000) * 1000;
    if (delay === null || !Number.isFinite(delay)) return;
    const timer = setTimeout(
      () => void this.fire(flow.workspaceId, flow.id).catch((err) => this.deps.logger.warn({ flowId: flow.id, err: (err as Error).message }, 'trigger poll could not run')),
      Math.max(0, Math.min(delay, 2 ** 31 - 1)),
    );
    timer.unref();
    this.timers.set(flow.id, timer);
    this.armedFrom.set(flow.id, revisionOf(flow));
  }

  /** Runs the flow's trigger once now (also used by tests and the "run now" button). */
  async fire(workspaceId: string, flowId: string): Promise<number> {
    // A fire by hand replaces the armed one: its timer must not go off later as well.
    clearTimeout(this.timers.get(flowId));
    this.timers.delete(flowId);
    if (this.stopped || this.running.has(flowId)) return 0;
    const flow = await this.deps.store.getFlow(workspaceId, flowId);
    if (!flow || !flow.enabled) return 0;
    const found = this.triggerOf(flow);
    if (!found) return 0;
    this.running.add(flowId);
    let created = 0;
    let retryIn: number | undefined;
    try {
      const polled = await this.underPollLease(flowId, () => this.runTrigger(flow, found.def, found.trigger));
      // Held by another worker: try again once its lease may have run out.
      if (polled === null) retryIn = this.deps.pollLease!.leaseMs;
      else created = polled;
      this.failures.delete(flowId);
    } catch (error) {
      const message = (error as Error).message;
      this.deps.logger.warn({ flowId, err: message }, 'trigger poll failed');
      // The cursor stays: the next poll that gets through reads everything since, nothing is missed.
      const state = await this.deps.store.getTriggerCursor(flowId);
      await this.deps.store.commitPoll(flowId, state?.cursor, [], message, Date.now());
      const failures = (this.failures.get(flowId) ?? 0) + 1;
      this.failures.set(flowId, failures);
      const backoff = Math.min(ERROR_BACKOFF_MAX_MS, retryDelayMs(this.deps.retry ?? DEFAULT_RETRY, failures));
      // The service is down: poll again when its next probe is due (this poll may be that probe).
      const down = circuitErrorOf(error);
      retryIn = down ? Math.min(backoff, Math.max(this.deps.breaker?.settings.refreshMs ?? 1000, down.nextProbeAt - Date.now())) : backoff;
    } finally {
      this.running.delete(flowId);
    }
    const current = await this.deps.store.getFlow(workspaceId, flowId);
    if (current?.enabled && !this.timers.has(flowId)) this.arm(current, retryIn);
    return created;
  }

  /** `run` under the trigger's lease when there is one; null when another worker holds it. */
  private async underPollLease(flowId: string, run: () => Promise<number>): Promise<number | null> {
    const lease = this.deps.pollLease;
    if (!lease) return run();
    const claim = () => this.deps.store.claimPoll(flowId, lease.owner, Date.now(), lease.leaseMs);
    if (!(await claim())) {
      this.deps.logger.info({ flowId }, 'another worker is polling this flow; not polled here now');
      return null;
    }
    const renew = setInterval(() => void claim().catch((err) => this.deps.logger.warn({ flowId, err: (err as Error).message }, 'poll lease renewal failed')), Math.max(100, Math.floor(lease.leaseMs / 3)));
    try {
      return await run();
    } finally {
      clearInterval(renew);
      // Given up (a lease that ends now): the next poll may run anywhere, e.g. in a restarted worker.
      await this.deps.store.claimPoll(flowId, lease.owner, Date.now(), 0).catch(() => undefined);
    }
  }

  private async runTrigger(flow: FlowRecord, def: FlowDefinition, trigger: TriggerDefinition): Promise<number> {
    const now = Date.now();
    const state = await this.deps.store.getTriggerCursor(flow.id);
    const origin = trigger.delivery === 'schedule' ? ('schedule' as const) : ('poll' as const);
    if (!trigger.poll) throw new Error(`Trigger ${def.trigger.connector}.${trigger.id} cannot be polled`);
    const connector = this.deps.connectors.get(def.trigger.connector)!;
    const conn = await openNamedConnection(this.deps.connections, flow.workspaceId, def.trigger.connection, connector);
    const metrics = this.deps.metrics;
    const plans = this.deps.plans;
    await plans.prepare(flow.workspaceId, now);
    let transactions = 0;
    const context = openConnectorContext(this.deps, {
      workspaceId: flow.workspaceId,
      connector,
      connection: conn,
      deadline: { ms: POLL_TIMEOUT_MS, label: 'Poll' },
      circuit: this.deps.breaker ? { breaker: this.deps.breaker, owner: `poll:${flow.id}`, connectionName: def.trigger.connection } : undefined,
      // A poll's requests are transactions like an action's (a quota-exhausted poll fails and backs off).
      metering: {
        kind: 'metered',
        plans,
        onRequest: () => {
          transactions++;
          metrics.transactions.inc({ connector: connector.key });
        },
      },
    });
    let polled: Awaited<ReturnType<NonNullable<TriggerDefinition['poll']>>>;
    try {
      polled = await trigger.poll(
        {
          auth: context.auth,
          http: context.http,
          logger: this.deps.logger,
          signal: context.signal,
          options: triggerOptions(trigger, def.trigger.options),
          flowId: flow.id,
          parsingDays: plans.planOf(flow.workspaceId).marketplaceParsingDays,
        },
        state?.cursor,
      );
    } finally {
      context.close();
    }
    const { events, cursor } = polled;
    if (polled.skipped) this.deps.logger.info({ flowId: flow.id, skipped: polled.skipped.count, reason: polled.skipped.reason }, 'poll skipped changes by the trigger options');
    const executions: NewExecution[] = events.map((event) => ({
      id: newId('ex', now),
      workspaceId: flow.workspaceId,
      flowId: flow.id,
      flowVersion: flow.version,
      webhookId: null,
      origin,
      trigger: event.payload,
      nextRunAt: now,
      // An event seen again (a redelivery, an overlapping page) finds its key taken and starts nothing.
      dedupeKey: event.dedupeKey ?? null,
    }));
    const usage = { workspaceId: flow.workspaceId, flowId: flow.id, connector: connector.key, count: transactions, day: dayOf(now), month: monthOf(now), dayCounted: plans.quotaInStore };
    const created = await this.deps.store.commitPoll(flow.id, cursor, executions, null, now, usage);
    if (created.length > 0) await this.deps.queue.push(created.map((executionId) => ({ executionId })));
    return created.length;
  }
}

function revisionOf(flow: FlowRecord): string {
  return `${flow.version}:${flow.enabled}:${flow.updatedAt}`;
}
