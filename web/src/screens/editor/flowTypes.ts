// The shapes the editor works with: the flow JSON (docs/flows.md, src/engine/flow-schema.ts), the
// catalog (src/connectors/catalog.ts) and the API's answers the editor reads.

export const CONDITION_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'not_contains', 'starts_with', 'in', 'exists', 'not_exists', 'regex'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];
/** Operators that take no right-hand value. */
export const UNARY_OPS: ReadonlySet<string> = new Set(['exists', 'not_exists']);

export interface Condition {
  left: string;
  op: ConditionOp;
  right?: unknown;
}

interface StepBase {
  id: string;
  name?: string;
}

export interface ActionStep extends StepBase {
  type: 'action';
  connector: string;
  action: string;
  connection?: string;
  input: Record<string, unknown>;
  onError?: 'fail' | 'continue';
  onNotFound?: 'stop' | 'continue' | 'fail';
  retry?: { maxAttempts?: number; baseDelayMs?: number };
}

export interface FilterStep extends StepBase {
  type: 'filter';
  all?: Condition[];
  any?: Condition[];
}

export interface SetStep extends StepBase {
  type: 'set';
  values: Record<string, unknown>;
}

export interface DelayStep extends StepBase {
  type: 'delay';
  seconds?: number;
  until?: string;
}

export interface RouterBranch {
  id: string;
  name?: string;
  all?: Condition[];
  any?: Condition[];
  steps: Array<ActionStep | FilterStep | SetStep | DelayStep>;
}

/** The first branch whose conditions hold runs its steps, else `otherwise`; then the flow goes on. */
export interface RouterStep extends StepBase {
  type: 'router';
  branches: RouterBranch[];
  otherwise?: Array<ActionStep | FilterStep | SetStep | DelayStep>;
}

export const STORE_OPERATIONS = ['get', 'set', 'setIfAbsent', 'delete', 'increment', 'append'] as const;

/** The workspace data store (docs/store.md). */
export interface StoreStep extends StepBase {
  type: 'store';
  operation: (typeof STORE_OPERATIONS)[number];
  collection: string;
  key: string | number;
  value?: unknown;
  ttlSeconds?: number;
  onNotFound?: 'stop' | 'continue' | 'fail';
}

export type Step = ActionStep | FilterStep | SetStep | DelayStep | RouterStep | StoreStep;
export type StepType = Step['type'];

export interface FlowTrigger {
  connector: string;
  event: string;
  connection?: string;
  options?: Record<string, unknown>;
}

export interface FlowDefinition {
  name: string;
  description?: string;
  enabled?: boolean;
  trigger: FlowTrigger;
  steps: Step[];
  /** Value maps for the `map` filter (`"@name"`); kept as loaded, edited in JSON. */
  maps?: Record<string, Record<string, unknown>>;
}

export interface FlowView {
  id: string;
  name: string;
  enabled: boolean;
  version: number;
  webhookUrl: string | null;
  setupInstructions: string | null;
  /** Polling flows: polls and (at least) transactions a month at the saved interval. */
  pollEstimate?: { intervalSeconds: number; pollsPerMonth: number; transactionsPerMonth: number; note: { ru: string; en: string } } | null;
  /** Polling flows (one flow's view): the last poll, and why it failed when it did. */
  pollState?: { lastPollAt: string | null; lastError: string | null; stats: Record<string, number> } | null;
  createdAt: string;
  updatedAt: string;
  definition: FlowDefinition;
}

export interface CatalogField {
  id: string;
  label: string;
  required?: boolean;
  /** A closed list of values: offered as one-click choices (a template still fits). */
  choices?: ReadonlyArray<{ value: string; label: string }>;
}

export interface CatalogEvent {
  id: string;
  label: string;
  labelEn: string;
  delivery: string;
  deliveries: string[];
  extensibleFields: boolean;
  fields: CatalogField[];
  options: CatalogOption[];
}

/** A trigger option: its type, default and the delivery modes it applies to. */
export interface CatalogOption extends CatalogField {
  labelEn?: string;
  type?: string;
  description?: string;
  default?: unknown;
  deliveries: string[];
}

export interface CatalogAction {
  id: string;
  label: string;
  labelEn: string;
  kind: string;
  input: CatalogField[];
  output: CatalogField[];
}

export interface Catalog {
  connector: string;
  label: string;
  labelEn: string;
  auth: Array<CatalogField & { secret: boolean }>;
  events: CatalogEvent[];
  actions: CatalogAction[];
}

export interface Connection {
  id: string;
  name: string;
  connector: string;
}

export interface SampleField {
  id: string;
  value: unknown;
}

export interface StepRun {
  stepId: string;
  type: string;
  status: string;
  input?: unknown;
  output?: unknown;
  error?: string | null;
  durationMs?: number | null;
}

export interface TestRunResult {
  status: string;
  error?: string | null;
  executionId?: string;
  steps: StepRun[];
}

export interface FlowTemplate {
  id: string;
  name: { ru: string; en: string };
  description?: { ru: string; en: string };
  connectors?: string[];
  flow: FlowDefinition;
}
