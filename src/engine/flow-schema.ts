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
  maxAttempts: z.number().int().min(1).max(20).optional(),
  baseDelayMs: z.number().int().min(10).max(3_600_000).optional(),
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

export const setStepSchema = z.strictObject({
  id: stepId,
  type: z.literal('set'),
  name: z.string().optional(),
  values: z.record(z.string(), z.unknown()),
});

export const stepSchema = z.discriminatedUnion('type', [actionStepSchema, filterStepSchema, delayStepSchema, setStepSchema]);

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
export type Step = z.infer<typeof stepSchema>;
export type FlowTrigger = z.infer<typeof triggerSchema>;
export type FlowDefinition = z.infer<typeof flowSchema>;
