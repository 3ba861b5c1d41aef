// Runs one execution step by step. Each step's resolved input, output, status, timing and error
// go to the journal before the next step starts, so a crashed or retried execution resumes at the
// first unfinished step and never calls a finished one again. Waiting (delays, retry backoff) is
// durable: the execution is parked with next_run_at and handed back to the queue.
import type { Logger } from 'pino';
import { actionInputFields, parseOrFail, triggerOptions } from '../connector-kit/fields.ts';
import type { ConnectorRegistry } from '../connector-kit/registry.ts';
import { NotFoundError, PermanentError, TransientError } from '../connector-kit/errors.ts';
import type { AuthValues, ConnectorHttp } from '../connector-kit/types.ts';
import type { Metrics } from '../metrics.ts';
import type { ExecutionQueue } from '../queue/types.ts';
import type { ExecutionRecord, ExecutionStatus, ExecutionUpdate, StepRecord, Store, TransactionUsage } from '../store/types.ts';
import { monthOf, dayOf } from '../plans/periods.ts';
import { QuotaExceededError, type PlansService } from '../plans/service.ts';
import type { Connections } from './connections.ts';
import type { ActionStep, DelayStep, FilterStep, FlowDefinition, SetStep, Step } from './flow-schema.ts';
import { openConnectorContext, openNamedConnection, type ConnectorContext, type ConnectorContextOptions } from './connector-context.ts';
import type { RateLimiter } from './outbound/rate-limiter.ts';
import type { OutboundGuard } from './outbound/guard.ts';
import { effectivePolicy, retryDelayMs, type RetryPolicy } from './retry-policy.ts';
import { circuitErrorOf, type CircuitBreaker } from './outbound/circuit-breaker.ts';
import { branchSteps, chooseBranch, delayResumeAt, endingOnError, endingOnNotFound, evaluateFilter, resolveActionInput, resolveSet } from './step-logic.ts';
import { MAX_VALUE_DEPTH, type TemplateContext } from './template.ts';
import { nestsDeeperThan } from '../lib/json.ts';
import { lazyChild } from '../lib/lazy-child-logger.ts';
import { maskedLogger, type RunScope, type Variables } from './variables.ts';
import type { StoreStep } from './flow-schema.ts';
import type { StepStatus } from '../store/types.ts';
import { storeLimitsOf } from '../plans/catalog.ts';
import { getEnding, maskedEntry, resolveStoreStep } from './store-step.ts';
import { isStorageFull } from '../store/storage-errors.ts';

export const FINAL_STATUSES: ReadonlySet<ExecutionStatus> = new Set(['succeeded', 'failed', 'filtered', 'stopped', 'cancelled']);
const DONE_STEP = new Set(['succeeded', 'passed', 'not_found', 'skipped']);
/** Reserved journal id for a webhook trigger's prepare phase (e.g. re-fetching the full order). */
export const TRIGGER_STEP_ID = 'trigger';
const STEP_TIMEOUT_MS = 120_000;
/** Where a waiter's next run is put: the circuit's drain brings it forward (it is never reached). */
const WAIT_FOR_SERVICE_MS = 365 * 24 * 3_600_000;
/** A journal write refused for a full disk is tried again this many times (about 5 minutes), the step's result kept meanwhile. */
const JOURNAL_FULL_ATTEMPTS = 64;

export interface ExecutorDeps {
  store: Store;
  queue: ExecutionQueue;
  connectors: ConnectorRegistry;
  connections: Connections;
  limiter: RateLimiter;
  outbound: OutboundGuard;
  logger: Logger;
  metrics: Metrics;
  retry: RetryPolicy;
  /** Services' circuits: a step whose service is down waits unsent as `waiting_for_service`. */
  breaker?: CircuitBreaker;
  plans: PlansService;
  /** Each execution reads its workspace's `vars` (and `env`, where allowed) afresh, and masks their secrets. */
  variables: Variables;
}

type JournalWrite = (record: StepRecord | null, update: ExecutionUpdate, usage?: TransactionUsage) => Promise<void>;

/** What a step decided: go on, end the execution, or park it until a time. */
/** What one execution's walk over its steps carries along. */
interface SequenceRun {
  execution: ExecutionRecord;
  ctx: TemplateContext;
  journal: Map<string, StepRecord>;
  logger: Logger;
  save: JournalWrite;
  startedAt: number;
  /** The next step's place in the journal, counted in the order steps are visited. */
  position: number;
}

type StepOutcome = (
  | { kind: 'next'; record: StepRecord; output: unknown }
  | { kind: 'end'; record: StepRecord; status: ExecutionStatus; error: string | null }
  | { kind: 'park'; record: StepRecord; status: 'waiting' | 'retrying' | 'quota_exceeded' | 'waiting_for_service'; runAt: number; circuit?: string }
) & {
  /** Transactions this attempt made, counted in the same write as the step's journal entry. */
  usage?: TransactionUsage;
};

export class Executor {
  private readonly deps: ExecutorDeps;
  private readonly definitions = new Map<string, FlowDefinition>();

  constructor(deps: ExecutorDeps) {
    this.deps = deps;
  }

  async run(executionId: string): Promise<void> {
    const { store, queue } = this.deps;
    const loaded = await store.loadExecution(executionId);
    if (!loaded) return;
    const { execution } = loaded;
    if (FINAL_STATUSES.has(execution.status)) return;
    const now = Date.now();
    if (execution.nextRunAt > now + 5) {
      await queue.push([{ executionId, runAt: execution.nextRunAt }]);
      return;
    }
    const plainSave = this.journal(execution.id, null);
    const flow = await this.definition(execution.flowId, execution.flowVersion);
    if (!flow) {
      await this.finish(plainSave, null, 'failed', `Flow version ${execution.flowVersion} no longer exists`, null);
      return;
    }
    const journal = new Map(loaded.steps.map((s) => [s.stepId, s]));
    const startedAt = execution.startedAt ?? now;
    // Asked for each execution: a change made by another process applies to the next run (the store
    // keeps the list only while nothing else has written).
    let scope: RunScope;
    try {
      scope = await this.deps.variables.forRun(execution.workspaceId);
      // The journal shows outputs with secrets masked; going on, steps need the real values.
      for (const s of loaded.steps) if (s.sealedOutput) s.output = scope.open(s.sealedOutput, `${execution.id}:${s.stepId}`);
    } catch (error) {
      await this.finish(plainSave, null, 'failed', `Cannot read the workspace's variables: ${(error as Error).message}`, null, startedAt);
      return;
    }
    const save = this.journal(execution.id, scope);
    const logger = maskedLogger(lazyChild(this.deps.logger, { executionId, flowId: execution.flowId }), scope.masker);

    let trigger = execution.trigger;
    const prepared = await this.prepareTrigger(execution, flow, journal.get(TRIGGER_STEP_ID), startedAt, logger, save);
    if (prepared) {
      if (prepared.kind !== 'next') return this.conclude(execution, prepared, startedAt, save);
      trigger = prepared.output;
    }

    const ctx: TemplateContext = {
      trigger,
      steps: {} as Record<string, unknown>,
      flow: { id: execution.flowId, name: flow.name, version: execution.flowVersion, maps: flow.maps ?? {} },
      env: scope.env,
      vars: scope.vars,
      execution: { id: execution.id, origin: execution.origin, startedAt: new Date(startedAt).toISOString() },
    };
    const run: SequenceRun = { execution, ctx, journal, logger, save, startedAt, position: 0 };
    if (await this.runSequence(flow.steps, true, run)) return;
    // No steps, or every step was already journaled (crash after the last step's write).
    await this.finish(save, null, 'succeeded', null, null, startedAt);
  }

  /**
   * Runs steps in order; a router's chosen branch runs in place, then the steps after it. `tail`:
   * nothing follows these steps, so the last one's journal write also finishes the execution.
   * True when the execution ended here (finished, failed, parked, cancelled).
   */
  private async runSequence(steps: readonly Step[], tail: boolean, run: SequenceRun): Promise<boolean> {
    const { execution, ctx, journal, logger, save, startedAt } = run;
    const outputs = ctx.steps as Record<string, unknown>;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      const last = tail && i === steps.length - 1;
      const idx = run.position++;
      const done = journal.get(step.id);
      if (done && DONE_STEP.has(done.status)) {
        outputs[step.id] = done.output;
        // A router taken before: the same branch again, whatever the data says now.
        if (step.type === 'router' && (await this.runSequence(branchSteps(step, (done.output as { branch?: unknown } | null)?.branch), last, run))) return true;
        continue;
      }
      if (done && done.status === 'failed' && step.type === 'action' && step.onError === 'continue' && done.finishedAt !== null) {
        outputs[step.id] = done.output;
        continue;
      }
      // A user may cancel while the execution runs; do not call another service after that.
      if (step.type === 'action' && idx > 0 && (await this.deps.store.getExecutionStatus(execution.id)) === 'cancelled') return true;
      const outcome = await this.runStep(step, idx, execution, ctx, done, logger);
      if (outcome.kind !== 'next') {
        await this.conclude(execution, outcome, startedAt, save);
        return true;
      }
      outputs[step.id] = outcome.output;
      const branch = step.type === 'router' ? branchSteps(step, (outcome.output as { branch: unknown }).branch) : [];
      if (last && branch.length === 0) {
        await this.finish(save, outcome.record, 'succeeded', null, null, startedAt, outcome.usage);
        return true;
      }
      await save(outcome.record, { status: 'running', startedAt }, outcome.usage);
      if (branch.length > 0 && (await this.runSequence(branch, last, run))) return true;
    }
    return false;
  }

  /**
   * The one place an execution's journal is written: the step's resolved input, output and error
   * and the execution's error, with the workspace's secret values masked first.
   */
  private journal(executionId: string, scope: RunScope | null): JournalWrite {
    return (record, update, usage) => {
      const masker = scope && !scope.masker.empty ? scope.masker : null;
      let step = record;
      if (record && masker) {
        const { value: output, changed } = masker.mask(record.output);
        // Sealed only when masking changed something: what a resumed execution goes on with.
        const sealedOutput = changed ? scope!.seal(record.output, `${executionId}:${record.stepId}`) : null;
        step = { ...record, input: masker.value(record.input), output, error: record.error === null ? null : masker.text(record.error), sealedOutput };
      } else if (record) {
        step = { ...record, sealedOutput: null };
      }
      const change = masker && typeof update.error === 'string' ? { ...update, error: masker.text(update.error) } : update;
      return this.writeJournal(() => this.deps.store.saveStepAndExecution(step, executionId, change, usage));
    };
  }

  /**
   * A step's result is not lost to a full disk: the write is tried again (its side effect is done,
   * so running the step again would be the worse outcome) until space returns, for a bounded time.
   */
  private async writeJournal(write: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await write();
        return;
      } catch (error) {
        if (!isStorageFull(error) || attempt >= JOURNAL_FULL_ATTEMPTS) throw error;
        this.deps.store.storage.full(error);
        if (attempt === 1) this.deps.logger.error({ err: error }, 'journal write refused: the disk is full; trying again until space returns');
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
  }

  private async conclude(execution: ExecutionRecord, outcome: Exclude<StepOutcome, { kind: 'next' }>, startedAt: number, save: JournalWrite): Promise<void> {
    if (outcome.kind === 'end') {
      const errorStep = outcome.status === 'failed' ? outcome.record.stepId : null;
      return this.finish(save, outcome.record, outcome.status, outcome.error, errorStep, startedAt, outcome.usage);
    }
    // In line first, then the status: a crash in between leaves a waiter that runs and parks again.
    if (outcome.circuit) await this.deps.store.circuits.park({ executionId: execution.id, circuitKey: outcome.circuit, workspaceId: execution.workspaceId, stepId: outcome.record.stepId, since: execution.createdAt });
    // Closed meanwhile: the drain finds it in line (a running execution keeps its place) and queues it.
    await save(outcome.record, { status: outcome.status, nextRunAt: outcome.runAt, startedAt, error: outcome.record.error }, outcome.usage);
    await this.deps.queue.push([{ executionId: execution.id, runAt: outcome.runAt }]);
  }

  private async finish(
    save: JournalWrite,
    record: StepRecord | null,
    status: ExecutionStatus,
    error: string | null,
    errorStep: string | null,
    startedAt = Date.now(),
    usage?: TransactionUsage,
  ): Promise<void> {
    const update: ExecutionUpdate = { status, error, errorStep, finishedAt: Date.now(), startedAt };
    await save(record, update, usage);
    this.deps.metrics.executionsFinished.inc({ status });
  }

  private async definition(flowId: string, version: number): Promise<FlowDefinition | undefined> {
    const key = `${flowId}@${version}`;
    let def = this.definitions.get(key);
    if (!def) {
      // Versions are immutable, so a cached definition never goes stale.
      def = (await this.deps.store.getFlowDefinition(flowId, version)) as FlowDefinition | undefined;
      if (!def) return undefined;
      if (this.definitions.size > 2000) this.definitions.delete(this.definitions.keys().next().value!);
      this.definitions.set(key, def);
    }
    return def;
  }

  /** Webhook triggers with a `prepare` (e.g. re-fetch the full order) run it once, journaled. */
  private async prepareTrigger(
    execution: ExecutionRecord,
    flow: FlowDefinition,
    done: StepRecord | undefined,
    startedAt: number,
    logger: Logger,
    save: JournalWrite,
  ): Promise<StepOutcome | null> {
    const trigger = this.deps.connectors.flowTrigger(flow.trigger);
    if (!trigger?.prepare || (execution.origin !== 'webhook' && execution.origin !== 'replay')) return null;
    if (done && DONE_STEP.has(done.status)) return { kind: 'next', record: done, output: done.output };
    const body = execution.trigger as Record<string, unknown>;
    const connector = this.deps.connectors.get(flow.trigger.connector)!;
    let dedupeKey: string | undefined;
    const outcome = await this.attempt(
      // Its input is the execution's trigger, shown from there: the journal does not keep it twice.
      { executionId: execution.id, flowId: execution.flowId, stepId: TRIGGER_STEP_ID, idx: -1, type: 'trigger', connectorKey: connector.key, previous: done, retry: flow.settings?.retry, input: null },
      flow.trigger.connection ?? null,
      execution.workspaceId,
      logger,
      async (auth, http, signal) => {
        const event = await trigger.prepare!({ auth, http, logger, signal, options: triggerOptions(trigger, flow.trigger.options), flowId: execution.flowId, parsingDays: this.deps.plans.planOf(execution.workspaceId).marketplaceParsingDays }, body);
        dedupeKey = event.dedupeKey;
        return event.payload;
      },
    );
    if (outcome.kind !== 'next') return outcome;
    // A redelivered webhook (the service sent the same event again) finds the prepared event's key
    // taken: it stops here, before any action. Replays are exempt: they run again on purpose.
    if (dedupeKey && execution.origin === 'webhook') {
      const holder = await this.deps.store.claimDedupeKey(execution.id, execution.flowId, dedupeKey);
      if (holder) {
        const error = `Повтор события: оно уже обработано выполнением ${holder} / A repeat of an event already run by execution ${holder}`;
        return { kind: 'end', status: 'stopped', error, usage: outcome.usage, record: { ...outcome.record, status: 'skipped', output: { duplicateOf: holder, dedupeKey } } };
      }
    }
    await save(outcome.record, { status: 'running', startedAt }, outcome.usage);
    return outcome;
  }

  private async runStep(
    step: Step,
    idx: number,
    execution: ExecutionRecord,
    ctx: TemplateContext,
    previous: StepRecord | undefined,
    logger: Logger,
  ): Promise<StepOutcome> {
    const started = Date.now();
    const base: StepRecord = {
      executionId: execution.id,
      stepId: step.id,
      idx,
      type: step.type,
      status: 'succeeded',
      input: null,
      output: null,
      error: null,
      attempts: previous?.attempts ?? 0,
      transactions: previous?.transactions ?? 0,
      resumeAt: null,
      startedAt: previous?.startedAt ?? started,
      finishedAt: null,
    };
    try {
      switch (step.type) {
        case 'filter':
          return this.runFilter(step, ctx, base);
        case 'set':
          return this.runSet(step, ctx, base);
        case 'store':
          return await this.runStore(step, execution, ctx, base);
        case 'router': {
          const { branch, input } = chooseBranch(step, ctx);
          return { kind: 'next', record: { ...base, input, output: { branch }, finishedAt: Date.now() }, output: { branch } };
        }
        case 'delay':
          return this.runDelay(step, ctx, base, previous);
        case 'action':
          return await this.runAction(step, execution, ctx, base, previous, logger);
        default:
          throw new Error(`Unknown step type ${(step as { type: string }).type}`);
      }
    } catch (error) {
      // Template errors and the like: the step cannot run as configured.
      const message = (error as Error).message;
      return { kind: 'end', status: 'failed', error: message, record: { ...base, status: 'failed', error: message, finishedAt: Date.now() } };
    } finally {
      if (step.type !== 'action') this.deps.metrics.stepDuration.observe({ type: step.type, connector: '' }, (Date.now() - started) / 1000);
    }
  }

  private runFilter(step: FilterStep, ctx: TemplateContext, base: StepRecord): StepOutcome {
    const { passed, input } = evaluateFilter(step, ctx);
    const record: StepRecord = { ...base, status: passed ? 'passed' : 'filtered', input, output: { passed }, finishedAt: Date.now() };
    return passed ? { kind: 'next', record, output: { passed } } : { kind: 'end', record, status: 'filtered', error: null };
  }

  /**
   * A `store` step: a read, or one write committed in the same transaction as this step's journal
   * entry — a resumed or retried execution finds the step done and never writes twice.
   */
  private async runStore(step: StoreStep, execution: ExecutionRecord, ctx: TemplateContext, base: StepRecord): Promise<StepOutcome> {
    const { store, plans, variables } = this.deps;
    const resolved = resolveStoreStep(step, ctx);
    const now = Date.now();
    const done = (status: StepStatus, output: unknown, error: string | null = null): StepRecord => ({ ...base, status, input: resolved.input, output, error, attempts: base.attempts + 1, finishedAt: now });
    if (!resolved.write) {
      const ending = getEnding(step, resolved, await store.collections.get(execution.workspaceId, resolved.collection, resolved.key, now));
      if (ending.kind === 'next') return { kind: 'next', record: done(ending.status, ending.output), output: ending.output };
      if (ending.kind === 'stopped') return { kind: 'end', status: 'stopped', error: null, record: done('not_found', ending.output, ending.error) };
      return { kind: 'end', status: 'failed', error: ending.error, record: done('failed', ending.output, ending.error) };
    }
    await plans.prepare(execution.workspaceId);
    const scope = await variables.forRun(execution.workspaceId);
    const { output } = await store.collections.write({
      workspaceId: execution.workspaceId,
      collection: resolved.collection,
      key: resolved.key,
      write: resolved.write,
      now,
      limits: storeLimitsOf(plans.planOf(execution.workspaceId)),
      step: { executionId: execution.id, stepId: step.id, record: (o) => maskedEntry(scope, done('succeeded', o)) },
    });
    return { kind: 'next', record: done('succeeded', output), output };
  }

  private runSet(step: SetStep, ctx: TemplateContext, base: StepRecord): StepOutcome {
    const values = resolveSet(step, ctx);
    return { kind: 'next', record: { ...base, input: step.values, output: values, finishedAt: Date.now() }, output: values };
  }

  private runDelay(step: DelayStep, ctx: TemplateContext, base: StepRecord, previous: StepRecord | undefined): StepOutcome {
    const now = Date.now();
    let resumeAt = previous?.status === 'waiting' ? previous.resumeAt : null;
    if (resumeAt === null) resumeAt = delayResumeAt(step, ctx, now);
    const input = { resumeAt: new Date(resumeAt).toISOString() };
    if (resumeAt <= now) {
      return { kind: 'next', record: { ...base, input, output: { resumedAt: new Date(now).toISOString() }, finishedAt: now }, output: {} };
    }
    return { kind: 'park', status: 'waiting', runAt: resumeAt, record: { ...base, status: 'waiting', input, resumeAt } };
  }

  private async runAction(
    step: ActionStep,
    execution: ExecutionRecord,
    ctx: TemplateContext,
    base: StepRecord,
    previous: StepRecord | undefined,
    logger: Logger,
  ): Promise<StepOutcome> {
    const action = this.deps.connectors.action(step.connector, step.action);
    if (!action) throw new Error(`Connector "${step.connector}" has no action "${step.action}"`);
    const input = resolveActionInput(step, ctx);
    const outcome = await this.attempt(
      { executionId: execution.id, flowId: execution.flowId, stepId: step.id, idx: base.idx, type: 'action', connectorKey: step.connector, previous, retry: { ...this.definitions.get(`${execution.flowId}@${execution.flowVersion}`)?.settings?.retry, ...step.retry }, input },
      step.connection ?? null,
      execution.workspaceId,
      logger,
      (auth, http, signal) =>
        action.run({ auth, http, logger, signal, idempotencyKey: `svz-${execution.id}-${step.id}`, executionId: execution.id, stepId: step.id }, parseOrFail(actionInputFields(action), input, 'Входные данные / Input')),
    );
    if (outcome.kind !== 'end') return outcome;
    const failed = outcome.status === 'failed';
    const notFound = outcome.record.status === 'not_found';
    if (!notFound && !failed) return outcome;
    const ending = notFound ? endingOnNotFound(step, outcome.record.output) : endingOnError(step, outcome.error);
    if (ending.kind === 'next') return { kind: 'next', record: { ...outcome.record, output: ending.output }, output: ending.output };
    if (ending.kind === 'failed' && notFound) {
      return { ...outcome, status: 'failed', error: outcome.record.error, record: { ...outcome.record, status: 'failed' } };
    }
    return outcome;
  }

  /**
   * One attempt of a call to a connector: opens the connection, meters each request, and turns
   * the result or error into an outcome (transient errors park the execution for a retry).
   */
  private async attempt(
    at: {
      executionId: string;
      flowId: string;
      stepId: string;
      idx: number;
      type: string;
      connectorKey: string;
      previous: StepRecord | undefined;
      retry: ActionStep['retry'];
      input: unknown;
    },
    connectionName: string | null,
    workspaceId: string,
    logger: Logger,
    call: (auth: AuthValues, http: ConnectorHttp, signal: AbortSignal) => Promise<unknown>,
  ): Promise<StepOutcome> {
    const started = Date.now();
    const attempts = (at.previous?.attempts ?? 0) + 1;
    let transactions = at.previous?.transactions ?? 0;
    const record: StepRecord = {
      executionId: at.executionId,
      stepId: at.stepId,
      idx: at.idx,
      type: at.type,
      status: 'succeeded',
      input: at.input,
      output: null,
      error: null,
      attempts,
      transactions,
      resumeAt: null,
      startedAt: at.previous?.startedAt ?? started,
      finishedAt: null,
    };
    const connector = this.deps.connectors.get(at.connectorKey)!;
    const metrics = this.deps.metrics;
    let context: ConnectorContext | undefined;
    let circuit: ConnectorContextOptions['circuit'];
    const plans = this.deps.plans;
    const counted = (outcome: StepOutcome): StepOutcome => {
      const count = transactions - (at.previous?.transactions ?? 0);
      if (count <= 0) return outcome;
      const now = Date.now();
      return { ...outcome, usage: { workspaceId, flowId: at.flowId, connector: connector.key, count, day: dayOf(now), month: monthOf(now), dayCounted: plans.quotaInStore } };
    };
    try {
      await plans.prepare(workspaceId);
      const conn = await openNamedConnection(this.deps.connections, workspaceId, connectionName, connector, { required: true });
      circuit = this.deps.breaker ? { breaker: this.deps.breaker, owner: at.executionId, connectionName: conn?.name } : undefined;
      context = openConnectorContext(this.deps, {
        workspaceId,
        connector,
        connection: conn,
        deadline: { ms: STEP_TIMEOUT_MS, label: 'Step' },
        circuit,
        // Every request takes a transaction from the plan's quota before it is sent.
        metering: {
          kind: 'metered',
          plans,
          onRequest: () => {
            transactions++;
            metrics.transactions.inc({ connector: connector.key });
          },
        },
      });
      const output = await call(context.auth, context.http, context.signal);
      // Journaling and later templates walk the output; a service's answer nested past what they
      // handle fails the step here, not the execution in a crash loop.
      if (nestsDeeperThan(output, MAX_VALUE_DEPTH)) throw new PermanentError(`The answer is nested deeper than ${MAX_VALUE_DEPTH} levels; Svyazka does not store or map such data`);
      return counted({ kind: 'next', output, record: { ...record, output, transactions, finishedAt: Date.now() } });
    } catch (error) {
      const now = Date.now();
      const message = (error as Error).message || String(error);
      const done = { ...record, transactions, error: message, finishedAt: now };
      const quota = error instanceof QuotaExceededError ? error : (error as Error).cause instanceof QuotaExceededError ? ((error as Error).cause as QuotaExceededError) : null;
      // The service is down (refused unsent, or this step was in flight when its circuit opened):
      // the step waits for it, costing nothing more, and is sent again, with the same idempotency
      // key, when the circuit closes. Only an attempt that reached the service, not as its probe, counts.
      const refused = circuitErrorOf(error);
      const downKey = refused?.key ?? (error instanceof TransientError && circuit?.lastKey && this.deps.breaker?.isOpen(circuit.lastKey) ? circuit.lastKey : undefined);
      if (downKey && !quota) {
        const counts = transactions > (at.previous?.transactions ?? 0) && !circuit?.probed;
        const waitMessage = refused?.message ?? `${message} — ждём сервис / waiting for the service`;
        return counted({ kind: 'park', status: 'waiting_for_service', runAt: now + WAIT_FOR_SERVICE_MS, circuit: downKey, record: { ...done, attempts: counts ? attempts : attempts - 1, status: 'retrying', error: waitMessage, finishedAt: null, resumeAt: null } });
      }
      if (quota) {
        // Not a failed attempt: the step waits, unsent, until the plan has transactions again.
        return counted({ kind: 'park', status: 'quota_exceeded', runAt: quota.resumeAt, record: { ...done, attempts: attempts - 1, status: 'retrying', error: quota.message, finishedAt: null, resumeAt: quota.resumeAt } });
      }
      if (error instanceof NotFoundError) {
        return counted({ kind: 'end', status: 'stopped', error: null, record: { ...done, status: 'not_found', output: {}, error: message } });
      }
      if (error instanceof TransientError) {
        const policy = effectivePolicy(this.deps.retry, at.retry);
        if (attempts < policy.maxAttempts) {
          const runAt = now + retryDelayMs(policy, attempts, error.retryAfterMs);
          logger.info({ stepId: at.stepId, attempts, retryAt: runAt, err: message }, 'step failed transiently; retry scheduled');
          return counted({ kind: 'park', status: 'retrying', runAt, record: { ...done, status: 'retrying', finishedAt: null, resumeAt: runAt } });
        }
        const final = `${message} (gave up after ${attempts} attempts)`;
        return counted({ kind: 'end', status: 'failed', error: final, record: { ...done, status: 'failed', error: final } });
      }
      if (!(error instanceof PermanentError)) logger.warn({ stepId: at.stepId, err: error }, 'step threw an unexpected error');
      return counted({ kind: 'end', status: 'failed', error: message, record: { ...done, status: 'failed' } });
    } finally {
      context?.close();
      metrics.stepDuration.observe({ type: at.type, connector: connector.key }, (Date.now() - started) / 1000);
    }
  }
}
