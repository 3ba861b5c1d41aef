// The flow JSON format (DESIGN.md "Flows"), as zod schemas: the one place that says what a
// valid flow looks like. Semantic checks (connectors, templates, step order) are in validate-flow.ts.
import { z } from 'zod';
import { CONDITION_OPS } from './conditions.ts';

/**
 * Objects and arrays nested in one another, counted from the flow itself (`{"steps": [{…}]}` is
 * 3 at the step). Far above any real flow; it keeps every walker over a definition (checks,
 * templates, JSON) away from the stack limit.
 */
export const MAX_FLOW_DEPTH = 64;

const stepId = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'step id: letters, digits and _, starting with a letter or _ (at most 64)')
  .refine((id) => id !== 'trigger', 'step id "trigger" is reserved');

export const conditionSchema = z.strictObject({
  left: z.string(),
  op: z.enum(CONDITION_OPS),
  right: z.unknown().optional(),
});

export const retrySchema = z.strictObject({
  maxAttempts: z.number().int().min(1).max(30).optional(),
  baseDelayMs: z.number().int().min(10).max(3_600_000).optional(),
  /** The longest wait between two attempts. */
  maxDelayMs: z.number().int().min(10).max(24 * 3_600_000).optional(),
  /** Each wait this many times the one before (before the cap). */
  factor: z.number().min(1).max(10).optional(),
});

/** Flow-wide settings: `retry` is every action step's default (a step's own `retry` wins, field by field). */
export const flowSettingsSchema = z.strictObject({
  retry: retrySchema.optional(),
});

export const actionStepSchema = z.strictObject({
  id: stepId,
  type: z.literal('action'),
  name: z.string().optional(),
  connector: z.string().min(1, 'Выберите сервис шага / Choose the step\'s service'),
  action: z.string().min(1, 'Выберите действие / Choose the action'),
  connection: z.string().min(1, 'Выберите подключение / Choose a connection').optional(),
  input: z.record(z.string(), z.unknown()).default({}),
  onError: z.enum(['fail', 'continue']).default('fail'),
  onNotFound: z.enum(['stop', 'continue', 'fail']).default('stop'),
  retry: retrySchema.optional(),
});

export const filterStepSchema = z
  .strictObject({
    id: stepId,
    type: z.literal('filter'),
    name: z.string().optional(),
    all: z.array(conditionSchema).min(1).optional(),
    any: z.array(conditionSchema).min(1).optional(),
  })
  .refine((s) => (s.all === undefined) !== (s.any === undefined), 'a filter has exactly one of "all" or "any"');

export const delayStepSchema = z
  .strictObject({
    id: stepId,
    type: z.literal('delay'),
    name: z.string().optional(),
    seconds: z.number().int().min(0).max(90 * 24 * 3600).optional(),
    until: z.string().optional(),
  })
  .refine((s) => (s.seconds === undefined) !== (s.until === undefined), 'a delay has exactly one of "seconds" or "until"');

export const STORE_OPERATIONS = ['get', 'set', 'setIfAbsent', 'delete', 'increment', 'append'] as const;

/**
 * The workspace data store (docs/store.md): `get` → {found, value}, `set` → {value}, `setIfAbsent`
 * → {set}, `delete` → {deleted}, `increment` / `append` → {value}. Templates in collection, key and
 * value; which fields an operation takes is checked in store-step.ts.
 */
export const storeStepSchema = z.strictObject({
  id: stepId,
  type: z.literal('store'),
  name: z.string().optional(),
  operation: z.enum(STORE_OPERATIONS),
  collection: z.string().min(1, 'Укажите коллекцию / Name the collection'),
  key: z.union([z.string().min(1, 'Укажите ключ / Give a key'), z.number()]),
  /** The value to write; for increment, the amount (default 1). */
  value: z.unknown().optional(),
  ttlSeconds: z.number().int().min(1, 'ttlSeconds: не меньше 1 / at least 1').max(10 * 365 * 86_400).optional(),
  /** For get: what finding nothing means (default stop, like find actions). */
  onNotFound: z.enum(['stop', 'continue', 'fail']).optional(),
});

export const setStepSchema = z.strictObject({
  id: stepId,
  type: z.literal('set'),
  name: z.string().optional(),
  values: z.record(z.string(), z.unknown()),
});

/** Steps that hold no other steps: what a router's branches are made of. */
export const leafStepSchema = z.discriminatedUnion('type', [actionStepSchema, filterStepSchema, delayStepSchema, setStepSchema, storeStepSchema]);

export const routerBranchSchema = z
  .strictObject({
    id: stepId,
    name: z.string().optional(),
    all: z.array(conditionSchema).min(1).optional(),
    any: z.array(conditionSchema).min(1).optional(),
    steps: z.array(leafStepSchema).max(100).default([]),
  })
  .refine((b) => (b.all === undefined) !== (b.any === undefined), 'a branch has exactly one of "all" or "any"');

/**
 * The first branch whose conditions hold runs its steps, else `otherwise`; then the flow goes on
 * after the router. Branches hold plain steps (no router inside a router).
 */
export const routerStepSchema = z.strictObject({
  id: stepId,
  type: z.literal('router'),
  name: z.string().optional(),
  branches: z.array(routerBranchSchema).min(1).max(20),
  otherwise: z.array(leafStepSchema).max(100).optional(),
});

export const stepSchema = z.discriminatedUnion('type', [actionStepSchema, filterStepSchema, delayStepSchema, setStepSchema, storeStepSchema, routerStepSchema]);

export const triggerSchema = z.strictObject({
  connector: z.string().min(1, 'Выберите сервис триггера / Choose the trigger\'s service'),
  event: z.string().min(1, 'Выберите событие / Choose the event'),
  connection: z.string().min(1, 'Выберите подключение / Choose a connection').optional(),
  options: z.record(z.string(), z.unknown()).default({}),
});

export const flowSchema = z.strictObject({
  name: z.string().trim().min(1, 'Назовите связку / Give the flow a name').max(200),
  description: z.string().max(2000).optional(),
  enabled: z.boolean().default(false),
  trigger: triggerSchema,
  steps: z.array(stepSchema).max(100).default([]),
  settings: flowSettingsSchema.optional(),
  /** Value maps used by the `map` filter as `"@name"`: `{"ctStatus": {"complete": "2"}}`. */
  maps: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'имя карты: латиница, цифры и _ / a map name: letters, digits and _'),
      z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    )
    .optional(),
});

export type Condition = z.infer<typeof conditionSchema>;
export type ActionStep = z.infer<typeof actionStepSchema>;
export type FilterStep = z.infer<typeof filterStepSchema>;
export type DelayStep = z.infer<typeof delayStepSchema>;
export type SetStep = z.infer<typeof setStepSchema>;
export type StoreStep = z.infer<typeof storeStepSchema>;
export type RouterStep = z.infer<typeof routerStepSchema>;
export type LeafStep = z.infer<typeof leafStepSchema>;
export type Step = z.infer<typeof stepSchema>;
export type FlowTrigger = z.infer<typeof triggerSchema>;
export type FlowDefinition = z.infer<typeof flowSchema>;

/** Every step of a flow, a router's branch steps right after the router, in order. */
export function allSteps(steps: readonly Step[]): Step[] {
  const out: Step[] = [];
  for (const step of steps) {
    out.push(step);
    if (step.type === 'router') {
      for (const branch of step.branches) out.push(...branch.steps);
      if (step.otherwise) out.push(...step.otherwise);
    }
  }
  return out;
}

/** The steps with `fn` applied to each, branch steps included (the routers' own shape kept). */
export function mapSteps(steps: readonly Step[], fn: (step: LeafStep) => LeafStep): Step[] {
  return steps.map((step) =>
    step.type === 'router'
      ? { ...step, branches: step.branches.map((b) => ({ ...b, steps: b.steps.map(fn) })), otherwise: step.otherwise?.map(fn) }
      : fn(step),
  );
}
