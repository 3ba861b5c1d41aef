// What the API shows of stored records. Sealed credentials never leave the store through here.
import type { Connection, ExecutionRecord, StepRecord, WebhookRecord } from '../store/types.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** `usedBy`: the flows whose trigger or steps name the connection. */
/** `secretsSet`: which secret fields hold a value, so a form can say "stored" only where true. */
export function connectionView(c: Connection, usedBy: Array<{ id: string; name: string }> = [], secretsSet: string[] = []) {
  return { id: c.id, name: c.name, connector: c.connector, config: c.publicConfig, secretsSet, createdAt: iso(c.createdAt), updatedAt: iso(c.updatedAt), usedBy };
}

/** `flowName` is null when the flow was deleted since. */
export function executionView(e: ExecutionRecord, steps?: StepRecord[], flowName?: string | null) {
  return {
    id: e.id,
    flowId: e.flowId,
    ...(flowName !== undefined ? { flowName } : {}),
    flowVersion: e.flowVersion,
    webhookId: e.webhookId,
    origin: e.origin,
    status: e.status,
    error: e.error,
    errorStep: e.errorStep,
    retries: e.retries,
    nextRunAt: ['waiting', 'retrying', 'queued'].includes(e.status) ? iso(e.nextRunAt) : null,
    createdAt: iso(e.createdAt),
    startedAt: iso(e.startedAt),
    finishedAt: iso(e.finishedAt),
    // `retries` counts hand retries; `attempts` is the most tries any step took (6 after giving up on the sixth).
    ...(steps ? { trigger: e.trigger, steps: steps.map((st) => stepView(st, e.trigger)), transactions: steps.reduce((sum, st) => sum + st.transactions, 0), attempts: steps.reduce((max, st) => Math.max(max, st.attempts), 0) } : {}),
  };
}

/** `trigger`: the execution's; a trigger step's journal does not repeat it as its input (shown here again). */
export function stepView(s: StepRecord, trigger?: unknown) {
  return {
    stepId: s.stepId,
    index: s.idx,
    type: s.type,
    status: s.status,
    input: s.type === 'trigger' && s.input === null && trigger !== undefined ? trigger : s.input,
    output: s.output,
    error: s.error,
    attempts: s.attempts,
    transactions: s.transactions,
    resumeAt: iso(s.resumeAt),
    startedAt: iso(s.startedAt),
    finishedAt: iso(s.finishedAt),
    durationMs: s.finishedAt === null ? null : s.finishedAt - s.startedAt,
  };
}

export function webhookView(w: WebhookRecord, full: boolean, flowName?: string | null) {
  return {
    id: w.id,
    flowId: w.flowId,
    ...(flowName !== undefined ? { flowName } : {}),
    method: w.method,
    status: w.status,
    error: w.error,
    contentType: w.contentType,
    size: w.size,
    ip: w.ip,
    receivedAt: iso(w.receivedAt),
    // rawBody: the bytes exactly as they arrived (webhooks stored since 0014), beside the parsed body.
    ...(full ? { headers: w.headers, query: w.query, bodyKind: w.bodyKind, body: w.body, rawBody: w.rawText ?? null } : {}),
  };
}
