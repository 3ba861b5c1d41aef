// Rows to records, shared by the SQLite and PostgreSQL stores (both hand back numbers for bigint).
import type { Selectable } from 'kysely';
import type { ConnectionsTable, ExecutionStepsTable, ExecutionsTable, FlowsTable, WebhooksTable, WorkspacesTable } from './schema.ts';
import type { Connection, ExecutionRecord, FlowRecord, NewExecution, Page, StepRecord, WebhookRecord, Workspace } from './types.ts';
import { parseJson } from '../lib/json.ts';
import { bodyOf, rawTextOf, triggerOf, TRIGGER_FROM_WEBHOOK } from './stored-body.ts';
import { unpackText } from './compression.ts';

/** An execution row with its webhook's body columns, for a trigger derived from the webhook (both null when it has its own). */
export type ExecutionRow = Selectable<ExecutionsTable> & { w_body?: string | null; w_raw?: Uint8Array | null; w_query?: string | null; w_content_type?: string | null };

/** The columns an execution is read with: its own and, when its trigger is its webhook's, the webhook's body columns. */
export const EXECUTION_WITH_TRIGGER = `e.*, w.body AS w_body, w.raw AS w_raw, w.query AS w_query, w.content_type AS w_content_type
  FROM executions e LEFT JOIN webhooks w ON e.trigger = '' AND w.id = e.webhook_id`;

export function page<T extends { id: string }>(items: T[], limit: number): Page<T> {
  const more = items.length > limit;
  const slice = more ? items.slice(0, limit) : items;
  return { items: slice, next: more ? slice[slice.length - 1].id : null };
}

export function toWorkspace(row: Selectable<WorkspacesTable>): Workspace {
  return { id: row.id, slug: row.slug, name: row.name, timezone: row.timezone, locale: row.locale, createdAt: Number(row.created_at) };
}

export function toConnection(row: Selectable<ConnectionsTable>): Connection {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    connector: row.connector,
    publicConfig: parseJson(row.public_config) as Record<string, unknown>,
    sealedAuth: row.sealed_auth,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function toFlow(row: Selectable<FlowsTable>): FlowRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    enabled: row.enabled === 1,
    definition: parseJson(row.definition),
    version: row.version,
    hookToken: row.hook_token,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function toWebhook(row: Selectable<WebhooksTable>): WebhookRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    flowId: row.flow_id,
    method: row.method,
    headers: parseJson(row.headers) as Record<string, string>,
    query: parseJson(row.query) as Record<string, unknown>,
    body: bodyOf(row),
    rawText: rawTextOf(row),
    bodyKind: row.body_kind,
    contentType: row.content_type,
    size: row.size,
    ip: row.ip,
    status: row.status,
    error: row.error,
    receivedAt: Number(row.received_at),
  };
}

export function toExecution(row: ExecutionRow, trigger?: unknown): ExecutionRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    flowId: row.flow_id,
    flowVersion: row.flow_version,
    webhookId: row.webhook_id,
    origin: row.origin,
    status: row.status,
    trigger: row.trigger === TRIGGER_FROM_WEBHOOK ? (trigger !== undefined ? trigger : triggerOf({ w_body: row.w_body ?? null, w_raw: row.w_raw ?? null, w_query: row.w_query ?? null, w_content_type: row.w_content_type ?? null })) : parseJson(row.trigger),
    error: row.error,
    errorStep: row.error_step,
    retries: row.retries,
    nextRunAt: Number(row.next_run_at),
    createdAt: Number(row.created_at),
    startedAt: row.started_at === null ? null : Number(row.started_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The record of an execution as INSERT_EXECUTION stores it at `createdAt` (queued, never started). */
export function acceptedExecution(e: NewExecution, createdAt: number): ExecutionRecord {
  return {
    id: e.id,
    workspaceId: e.workspaceId,
    flowId: e.flowId,
    flowVersion: e.flowVersion,
    webhookId: e.webhookId,
    origin: e.origin,
    status: 'queued',
    trigger: e.trigger,
    error: null,
    errorStep: null,
    retries: 0,
    nextRunAt: e.nextRunAt,
    createdAt,
    startedAt: null,
    finishedAt: null,
    updatedAt: createdAt,
  };
}

export function toStep(row: Selectable<ExecutionStepsTable>): StepRecord {
  return {
    executionId: row.execution_id,
    stepId: row.step_id,
    idx: row.idx,
    type: row.type,
    status: row.status,
    input: parseJson(unpackText(row.input)),
    output: parseJson(unpackText(row.output)),
    error: row.error,
    attempts: row.attempts,
    transactions: row.transactions,
    resumeAt: row.resume_at === null ? null : Number(row.resume_at),
    startedAt: Number(row.started_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    sealedOutput: row.sealed_output ?? null,
  };
}
