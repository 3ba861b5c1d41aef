// A test run: the flow definition (saved or not) runs once, synchronously, on a sample, and every
// step's resolved input, output, error and duration comes back. Step logic is the executor's
// (step-logic.ts); what differs is the setting: nothing is journaled, delays are not waited,
// failures are not retried, and with `sandbox` every call goes to the connector's sandbox. Calls to
// the real account are real API calls: they are metered like any transaction; sandbox calls are not.
// Nothing is stored: the definition may be an unsaved draft (no flow id, no version to point at),
// and history and the flow's counters should show only what really happened.
import type { Logger } from 'pino';
import { actionInputFields, parseOrFail, triggerOptions } from '../connector-kit/fields.ts';
import type { ConnectorRegistry } from '../connector-kit/registry.ts';
import { NotFoundError, PermanentError } from '../connector-kit/errors.ts';
import type { AuthValues, ConnectorDefinition, ConnectorHttp } from '../connector-kit/types.ts';
import { newId } from '../lib/ids.ts';
import type { Connections } from './connections.ts';
import { TRIGGER_STEP_ID } from './executor.ts';
import type { ActionStep, FlowDefinition, Step } from './flow-schema.ts';
import { openConnectorContext, openNamedConnection, type ConnectorContext } from './connector-context.ts';
import type { RateLimiter } from './outbound/rate-limiter.ts';
import type { OutboundGuard } from './outbound/guard.ts';
import { pinnedHttp, type SandboxPool } from './sandboxes.ts';
import { branchSteps, chooseBranch, delayResumeAt, endingOnError, endingOnNotFound, evaluateFilter, resolveActionInput, resolveSet, type ActionEnding } from './step-logic.ts';
import { MAX_VALUE_DEPTH, type TemplateContext } from './template.ts';
import { nestsDeeperThan } from '../lib/json.ts';
import { maskedLogger, type RunScope, type Variables } from './variables.ts';
import { dayOf, monthOf } from '../plans/periods.ts';
import type { PlansService } from '../plans/service.ts';
import type { Store } from '../store/types.ts';
import type { StoreStep } from './flow-schema.ts';
import { storeLimitsOf } from '../plans/catalog.ts';
import { getEnding, resolveStoreStep } from './store-step.ts';

export type TestStepStatus = 'succeeded' | 'passed' | 'filtered' | 'failed' | 'not_found' | 'skipped';

export interface TestRunStep {
  stepId: string;
  type: string;
  status: TestStepStatus;
  input: unknown;
  output: unknown;
  error: string | null;
  durationMs: number;
  /** Said beside the result when the test run did not do what a real run would (a `store` write is simulated). */
  note?: string;
}

export const STORE_DRY_RUN_NOTE = 'Тестовый запуск: в хранилище ничего не записано — показано, что сделала бы запись / Test run: nothing was written to the data store — this is what the write would do';

export interface TestRunResult {
  status: 'succeeded' | 'failed' | 'filtered' | 'stopped';
  error?: string;
  steps: TestRunStep[];
}

export interface TestRunDeps {
  connectors: ConnectorRegistry;
  connections: Connections;
  limiter: RateLimiter;
  outbound: OutboundGuard;
  logger: Logger;
  sandboxes: SandboxPool;
  /** The workspace's `vars` (and `env`, where allowed), read for each test run; their secrets are masked in the answer. */
  variables: Variables;
  plans: PlansService;
  store: Pick<Store, 'countTransactions' | 'collections'>;
}

const STEP_TIMEOUT_MS = 60_000;
/** Where usage of a test run of a never-saved draft is counted. */
const TEST_RUN_FLOW = 'test-run';

export class TestRunner {
  private readonly deps: TestRunDeps;

  constructor(deps: TestRunDeps) {
    this.deps = deps;
  }

  async run(workspaceId: string, flow: FlowDefinition, sample: unknown, opts: { sandbox: boolean; flowId?: string }): Promise<TestRunResult> {
    const scope = await this.deps.variables.forRun(workspaceId);
    // The answer is shown in the editor: secret values never go back, even where a step echoes them.
    return scope.masker.value(await this.execute(workspaceId, flow, sample, opts, scope));
  }

  private async execute(workspaceId: string, flow: FlowDefinition, sample: unknown, opts: { sandbox: boolean; flowId?: string }, scope: RunScope): Promise<TestRunResult> {
    const runId = newId('test');
    const steps: TestRunStep[] = [];
    const logger = maskedLogger(this.deps.logger.child({ testRun: runId, workspaceId }), scope.masker);
    const call = { workspaceId, runId, sandbox: opts.sandbox, logger, flowId: opts.flowId ?? TEST_RUN_FLOW };

    let trigger: unknown = sample ?? {};
    const prepared = await this.prepareTrigger(flow, trigger, call);
    if (prepared) {
      steps.push(prepared.step);
      if (prepared.step.status === 'failed') return { status: 'failed', error: prepared.step.error ?? undefined, steps };
      trigger = prepared.trigger;
    }

    const ctx: TemplateContext = {
      trigger,
      steps: {} as Record<string, unknown>,
      flow: { id: opts.flowId ?? null, name: flow.name, version: 0, maps: flow.maps ?? {} },
      env: scope.env,
      vars: scope.vars,
      execution: { id: runId, origin: 'test', startedAt: new Date().toISOString() },
    };
    const ended = await this.runSequence(flow.steps, ctx, call, steps);
    return ended ?? { status: 'succeeded', steps };
  }

  /** Runs steps in order, a router's chosen branch in place; the result when the run ended early. */
  private async runSequence(sequence: readonly Step[], ctx: TemplateContext, call: Call, steps: TestRunStep[]): Promise<TestRunResult | null> {
    const outputs = ctx.steps as Record<string, unknown>;
    for (const step of sequence) {
      const started = Date.now();
      const done = (s: Omit<TestRunStep, 'stepId' | 'type' | 'durationMs'>): TestRunStep => {
        const entry = { stepId: step.id, type: step.type, ...s, durationMs: Date.now() - started };
        steps.push(entry);
        return entry;
      };
      let result: { entry: TestRunStep; go: 'next' | 'filtered' | 'stopped' | 'failed' };
      try {
        result = await this.runStep(step, ctx, call, done);
      } catch (error) {
        // Template errors and the like: the step cannot run as configured.
        result = { entry: done({ status: 'failed', input: null, output: null, error: (error as Error).message }), go: 'failed' };
      }
      if (result.go === 'failed') return { status: 'failed', error: result.entry.error ?? undefined, steps };
      if (result.go !== 'next') return { status: result.go, steps };
      outputs[step.id] = result.entry.output;
      if (step.type === 'router') {
        const ended = await this.runSequence(branchSteps(step, (result.entry.output as { branch: unknown }).branch), ctx, call, steps);
        if (ended) return ended;
      }
    }
    return null;
  }

  private async runStep(
    step: Step,
    ctx: TemplateContext,
    call: Call,
    done: (s: Omit<TestRunStep, 'stepId' | 'type' | 'durationMs'>) => TestRunStep,
  ): Promise<{ entry: TestRunStep; go: 'next' | 'filtered' | 'stopped' | 'failed' }> {
    switch (step.type) {
      case 'filter': {
        const { passed, input } = evaluateFilter(step, ctx);
        return { entry: done({ status: passed ? 'passed' : 'filtered', input, output: { passed }, error: null }), go: passed ? 'next' : 'filtered' };
      }
      case 'set':
        return { entry: done({ status: 'succeeded', input: step.values, output: resolveSet(step, ctx), error: null }), go: 'next' };
      case 'router': {
        const { branch, input } = chooseBranch(step, ctx);
        return { entry: done({ status: 'succeeded', input, output: { branch }, error: null }), go: 'next' };
      }
      case 'delay': {
        // A real run would wait until then; a test run goes straight on.
        const resumeAt = delayResumeAt(step, ctx, Date.now());
        return { entry: done({ status: 'skipped', input: { resumeAt: new Date(resumeAt).toISOString() }, output: {}, error: null }), go: 'next' };
      }
      case 'action':
        return this.runAction(step, ctx, call, done);
      case 'store':
        return this.runStore(step, ctx, call, done);
    }
  }

  /**
   * A `store` step in a test run reads the workspace's real data, but a write is only simulated: the
   * store decides it (limits, a value that is no number) and rolls back, and the answer says so — a
   * test should not move counters or claim keys that live flows rely on.
   */
  private async runStore(
    step: StoreStep,
    ctx: TemplateContext,
    call: Call,
    done: (s: Omit<TestRunStep, 'stepId' | 'type' | 'durationMs'>) => TestRunStep,
  ): Promise<{ entry: TestRunStep; go: 'next' | 'filtered' | 'stopped' | 'failed' }> {
    const resolved = resolveStoreStep(step, ctx);
    const now = Date.now();
    if (!resolved.write) {
      const ending = getEnding(step, resolved, await this.deps.store.collections.get(call.workspaceId, resolved.collection, resolved.key, now));
      if (ending.kind === 'next') return { entry: done({ status: ending.status === 'not_found' ? 'not_found' : 'succeeded', input: resolved.input, output: ending.output, error: null }), go: 'next' };
      return { entry: done({ status: ending.kind === 'stopped' ? 'not_found' : 'failed', input: resolved.input, output: ending.output, error: ending.error }), go: ending.kind };
    }
    await this.deps.plans.prepare(call.workspaceId);
    const { output } = await this.deps.store.collections.write({
      workspaceId: call.workspaceId,
      collection: resolved.collection,
      key: resolved.key,
      write: resolved.write,
      now,
      limits: storeLimitsOf(this.deps.plans.planOf(call.workspaceId)),
      dryRun: true,
    });
    return { entry: done({ status: 'succeeded', input: resolved.input, output, error: null, note: STORE_DRY_RUN_NOTE }), go: 'next' };
  }

  private async runAction(
    step: ActionStep,
    ctx: TemplateContext,
    call: Call,
    done: (s: Omit<TestRunStep, 'stepId' | 'type' | 'durationMs'>) => TestRunStep,
  ): Promise<{ entry: TestRunStep; go: 'next' | 'filtered' | 'stopped' | 'failed' }> {
    const action = this.deps.connectors.action(step.connector, step.action);
    if (!action) throw new Error(`Connector "${step.connector}" has no action "${step.action}"`);
    const input = resolveActionInput(step, ctx);
    const outcome = await this.callConnector(step.connector, step.connection ?? null, call, (auth, http, signal) =>
      action.run({ auth, http, logger: call.logger, signal, idempotencyKey: `svz-${call.runId}-${step.id}`, executionId: call.runId, stepId: step.id }, parseOrFail(actionInputFields(action), input, 'Входные данные / Input')),
    );
    if (outcome.ok) return { entry: done({ status: 'succeeded', input, output: outcome.output, error: null }), go: 'next' };
    const ending: ActionEnding = outcome.notFound ? endingOnNotFound(step, {}) : endingOnError(step, outcome.error);
    const status = outcome.notFound ? (ending.kind === 'failed' ? 'failed' : 'not_found') : 'failed';
    const output = ending.kind === 'next' ? ending.output : outcome.notFound ? {} : null;
    const entry = done({ status, input, output, error: outcome.error });
    return { entry, go: ending.kind };
  }

  /** Webhook triggers with a `prepare` (e.g. RetailCRM re-fetching the order) run it first, as a real run does. */
  private async prepareTrigger(flow: FlowDefinition, sample: unknown, call: Call): Promise<{ step: TestRunStep; trigger: unknown } | null> {
    const trigger = this.deps.connectors.flowTrigger(flow.trigger);
    if (!trigger?.prepare || trigger.delivery !== 'webhook') return null;
    const started = Date.now();
    const body = (sample && typeof sample === 'object' ? sample : {}) as Record<string, unknown>;
    const outcome = await this.callConnector(flow.trigger.connector, flow.trigger.connection ?? null, call, async (auth, http, signal) => {
      const event = await trigger.prepare!({ auth, http, logger: call.logger, signal, options: triggerOptions(trigger, flow.trigger.options), flowId: 'test' }, body);
      return event.payload;
    });
    const base = { stepId: TRIGGER_STEP_ID, type: 'trigger', input: body };
    if (outcome.ok) return { step: { ...base, status: 'succeeded', output: outcome.output, error: null, durationMs: Date.now() - started }, trigger: outcome.output };
    if (call.sandbox) {
      // The sample came from the real service; the sandbox rarely has that record. Go on with the sample as it is.
      return { step: { ...base, status: 'skipped', output: body, error: `${outcome.error} (sandbox: the sample is used as it is)`, durationMs: Date.now() - started }, trigger: body };
    }
    return { step: { ...base, status: 'failed', output: null, error: outcome.error, durationMs: Date.now() - started }, trigger: body };
  }

  /** One call to a connector with the step's connection (metered like a run's) or the sandbox's (not metered). */
  private async callConnector(
    connectorKey: string,
    connectionName: string | null,
    call: Call,
    run: (auth: AuthValues, http: ConnectorHttp, signal: AbortSignal) => Promise<unknown>,
  ): Promise<{ ok: true; output: unknown } | { ok: false; notFound: boolean; error: string }> {
    const sent = { count: 0 };
    let context: ConnectorContext | undefined;
    try {
      const connector = this.deps.connectors.get(connectorKey);
      if (!connector) throw new PermanentError(`Connector "${connectorKey}" is not available in this build`);
      context = call.sandbox ? await this.sandboxed(connector, connectionName, call.workspaceId) : await this.real(connector, connectionName, call, sent);
      try {
        const output = await run(context.auth, context.http, context.signal);
        if (nestsDeeperThan(output, MAX_VALUE_DEPTH)) throw new PermanentError(`The answer is nested deeper than ${MAX_VALUE_DEPTH} levels; Svyazka does not store or map such data`);
        return { ok: true, output };
      } finally {
        if (!call.sandbox && sent.count > 0) {
          const now = Date.now();
          await this.deps.store.countTransactions({ workspaceId: call.workspaceId, flowId: call.flowId, connector: connector.key, count: sent.count, day: dayOf(now), month: monthOf(now), dayCounted: this.deps.plans.quotaInStore });
        }
      }
    } catch (error) {
      const message = (error as Error).message || String(error);
      return { ok: false, notFound: error instanceof NotFoundError, error: message };
    } finally {
      context?.close();
    }
  }

  private async real(connector: ConnectorDefinition, connectionName: string | null, call: Call, sent: { count: number }): Promise<ConnectorContext> {
    const workspaceId = call.workspaceId;
    await this.deps.plans.prepare(workspaceId);
    const conn = await openNamedConnection(this.deps.connections, workspaceId, connectionName, connector, { required: true });
    return openConnectorContext(this.deps, {
      workspaceId,
      connector,
      connection: conn,
      deadline: { ms: STEP_TIMEOUT_MS, label: 'Step' },
      // A real API call: it takes a transaction from the plan like any run's.
      metering: { kind: 'metered', plans: this.deps.plans, onRequest: () => void sent.count++ },
    });
  }

  private async sandboxed(connector: ConnectorDefinition, connectionName: string | null, workspaceId: string): Promise<ConnectorContext> {
    const endpoint = await this.deps.sandboxes.endpoint(connector);
    let auth: AuthValues = endpoint.credentials ?? {};
    if (!endpoint.credentials) {
      // The echo target: the real connection's settings (base URL, header) shape the request, which then goes to the echo.
      const conn = connectionName ? await this.deps.connections.open(workspaceId, connectionName, connector.key).catch(() => null) : null;
      // Secrets stay home: the echo answers with what it got, and the answer is shown in the editor.
      auth = conn ? withoutSecrets(connector, conn.auth) : { baseUrl: endpoint.baseUrl };
    }
    const context = openConnectorContext(this.deps, {
      workspaceId,
      connector,
      connection: null,
      sandbox: { auth },
      metering: { kind: 'unmetered', why: 'sandbox' },
      deadline: { ms: STEP_TIMEOUT_MS, label: 'Step' },
    });
    return { ...context, http: pinnedHttp(context.http, endpoint.baseUrl) };
  }
}

interface Call {
  workspaceId: string;
  flowId: string;
  runId: string;
  sandbox: boolean;
  logger: Logger;
}

function withoutSecrets(connector: ConnectorDefinition, auth: AuthValues): AuthValues {
  const out: Record<string, unknown> = { ...auth };
  for (const f of connector.auth.fields) if (f.secret && out[f.id] !== undefined) out[f.id] = 'sandbox';
  return out;
}
