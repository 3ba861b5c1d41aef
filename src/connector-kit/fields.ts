// Inputs and options, declared once as typed fields and coerced in one place. A template renders
// every value as text (or as the structure, for a whole-value `{{…}}`), so "42", "да" and
// '{"a":1}' arrive where a number, a boolean and an object are meant. Each field's type decides
// what it becomes; connectors receive the typed value and never parse text themselves.
import { z } from 'zod';
import { PermanentError } from './errors.ts';
import type { FieldDef, FieldType } from './types.ts';
import { coerceStructured } from './values.ts';

/** The value a field of this type holds once coerced. */
export type ValueOfType<T extends FieldType | undefined> = T extends 'string'
  ? string
  : T extends 'number'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'object'
        ? Record<string, unknown>
        : T extends 'array'
          ? unknown[]
          : unknown;

/** A field whose id and type are known to the compiler, so `Values<…>` can name its value. */
export type TypedField<Id extends string = string, T extends FieldType = FieldType, Present extends boolean = boolean> = FieldDef & {
  id: Id;
  type: T;
  /** Type-level only: whether a parsed value is always there (required, or has a default). */
  readonly __present?: Present;
};

type Extra<T extends FieldType> = Omit<FieldDef, 'id' | 'type' | 'label' | 'default'> & { default?: ValueOfType<T> };

type Present<E> = E extends { required: true } ? true : 'default' extends keyof E ? true : false;

function builder<T extends FieldType>(type: T) {
  return <const Id extends string, const E extends Extra<T> = {}>(id: Id, label: string, extra?: E): TypedField<Id, T, Present<E>> =>
    ({ ...extra, id, label, type }) as TypedField<Id, T, Present<E>>;
}

/**
 * Field builders: `field.number('intervalSeconds', 'Интервал опроса, сек', { default: 300, min: 10 })`.
 * A list of them is both the catalog the UI shows and, through `Values<…>`, the options' type.
 */
export const field = {
  string: builder('string'),
  number: builder('number'),
  boolean: builder('boolean'),
  object: builder('object'),
  array: builder('array'),
  json: builder('json'),
};

type PresentOf<F> = F extends { readonly __present?: infer P } ? (boolean extends P ? false : P) : false;

/** The parsed values of a list of typed fields: `{ intervalSeconds: number; comments?: string }`. */
export type Values<Fs extends readonly FieldDef[]> = {
  [F in Fs[number] as F extends TypedField<infer Id> ? (PresentOf<F> extends true ? Id : never) : never]: ValueOfType<F['type']>;
} & {
  [F in Fs[number] as F extends TypedField<infer Id> ? (PresentOf<F> extends true ? never : Id) : never]?: ValueOfType<F['type']>;
};

/** Templates render a missing value as "" or null: for a typed field that means "not set". */
function isUnset(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

const TRUE = new Set(['true', '1', 'yes', 'on', 'да']);
const FALSE = new Set(['false', '0', 'no', 'off', 'нет']);

function toNumber(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  // A Russian decimal comma is a decimal point; spaces group thousands ("1 299,50").
  const t = v.trim().replace(/[\s\u00a0]/g, '').replace(',', '.');
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : v;
}

function toBoolean(v: unknown): unknown {
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : v;
  if (typeof v !== 'string') return v;
  const t = v.trim().toLowerCase();
  return TRUE.has(t) ? true : FALSE.has(t) ? false : v;
}

function toText(v: unknown): unknown {
  return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : v;
}

function toStructure(type: 'object' | 'json') {
  return (v: unknown) => {
    if (typeof v !== 'string') return v;
    const parsed = coerceStructured(v, type, { leadOnly: type === 'json' });
    return parsed === undefined ? v : parsed;
  };
}

/** A list: JSON `[…]` text, values separated by commas, semicolons or lines, or one value. */
function toList(v: unknown): unknown {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t.startsWith('[')) return coerceStructured(t, 'array') ?? v;
    return t.split(/[,;\n]/).map((s) => s.trim()).filter(Boolean);
  }
  return v === undefined || v === null ? v : [v];
}

const EXPECTED: Record<FieldType, string> = {
  string: 'ожидается строка / expected text',
  number: 'ожидается число / expected a number',
  boolean: 'ожидается да или нет (true/false) / expected true or false',
  object: 'ожидается объект JSON {…} / expected a JSON object',
  array: 'ожидается список: JSON […] или значения через запятую / expected a list: JSON […] or comma-separated values',
  json: 'ожидается JSON / expected JSON',
};

// Building a zod schema costs far more than running it, and fields are static definitions.
const schemas = new WeakMap<FieldDef, z.ZodType>();

/** One field's schema: coercion by type, then the field's bounds, closed list and own check. */
export function fieldSchema(def: FieldDef): z.ZodType {
  let schema = schemas.get(def);
  if (!schema) schemas.set(def, (schema = buildFieldSchema(def)));
  return schema;
}

function buildFieldSchema(def: FieldDef): z.ZodType {
  const type = def.type;
  if (!type) return z.unknown();
  const message = EXPECTED[type];
  let schema: z.ZodType;
  switch (type) {
    case 'number': {
      let n = z.number({ error: message });
      if (def.min !== undefined) n = n.min(def.min, { error: `не меньше ${def.min} / at least ${def.min}` });
      if (def.max !== undefined) n = n.max(def.max, { error: `не больше ${def.max} / at most ${def.max}` });
      schema = z.preprocess(toNumber, n);
      break;
    }
    case 'boolean':
      schema = z.preprocess(toBoolean, z.boolean({ error: message }));
      break;
    case 'string': {
      const values = def.options?.map((o) => o.value);
      const s = z.string({ error: message }).refine((v) => !values || values.includes(v), {
        error: `допустимо: ${values?.join(', ')} / allowed: ${values?.join(', ')}`,
      });
      // A closed list takes its values in any letter case ("post" is POST) and trims them.
      const canonical = (v: unknown) => {
        const text = toText(v);
        if (!values || typeof text !== 'string') return text;
        const t = text.trim();
        return values.find((o) => o === t) ?? values.find((o) => o.toLowerCase() === t.toLowerCase()) ?? text;
      };
      schema = z.preprocess(canonical, s);
      break;
    }
    case 'object':
      schema = z.preprocess(toStructure('object'), z.record(z.string(), z.unknown(), { error: message }));
      break;
    case 'array':
      schema = z.preprocess(toList, z.array(z.unknown(), { error: message }));
      break;
    case 'json':
      // Text that opens like JSON but does not parse is a mistake, not a value.
      schema = z.preprocess(toStructure('json'), z.unknown()).refine((v) => typeof v !== 'string' || !/^\s*[[{]/.test(v), { error: message });
      break;
  }
  if (def.check) {
    const check = def.check;
    schema = schema.superRefine((value, ctx) => {
      const problem = check(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
  }
  return schema;
}

export interface FieldIssue {
  field: string;
  message: string;
}

export type FieldsResult<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/**
 * Coerces `raw` by the fields' types: unset typed fields take their default (or are left out),
 * required ones must be set, keys with no typed field pass through unchanged (catalogs may be
 * extensible). One message per bad field, naming its label.
 */
export function parseFields<const Fs extends readonly FieldDef[]>(defs: Fs, raw: Record<string, unknown> | undefined): FieldsResult<Values<Fs> & Record<string, unknown>> {
  const out: Record<string, unknown> = { ...raw };
  const issues: FieldIssue[] = [];
  for (const def of defs) {
    if (!def.type) continue;
    const value = out[def.id];
    if (isUnset(value)) {
      delete out[def.id];
      if (def.default !== undefined) out[def.id] = def.default;
      else if (def.required) issues.push({ field: def.id, message: `«${def.label}» (${def.id}): обязательное поле / required` });
      continue;
    }
    const parsed = fieldSchema(def).safeParse(value);
    if (parsed.success) out[def.id] = parsed.data;
    else issues.push({ field: def.id, message: `«${def.label}» (${def.id}): ${parsed.error.issues[0]?.message ?? EXPECTED[def.type]}${shown(value)}` });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: out as Values<Fs> & Record<string, unknown> };
}

function shown(value: unknown): string {
  if (typeof value !== 'string') return '';
  const t = value.trim();
  return `, получено «${t.length > 60 ? `${t.slice(0, 60)}…` : t}»`;
}

/** The fields as one zod schema (for callers that compose schemas); same rules as parseFields. */
export function fieldsSchema(defs: readonly FieldDef[]): z.ZodType<Record<string, unknown>> {
  return z.record(z.string(), z.unknown()).transform((raw, ctx) => {
    const result = parseFields(defs, raw);
    if (result.ok) return result.value;
    for (const issue of result.issues) ctx.addIssue({ code: 'custom', path: [issue.field], message: issue.message });
    return z.NEVER;
  });
}

/** Parsed values, or a PermanentError naming every bad field (a step fails with it, unretried). */
export function parseOrFail(defs: readonly FieldDef[], raw: Record<string, unknown> | undefined, what: string): Record<string, unknown> {
  const result = parseFields(defs, raw);
  if (result.ok) return result.value;
  throw new PermanentError(`${what}: ${result.issues.map((i) => i.message).join('; ')}`);
}

/**
 * Every input an action takes: its catalog's, then the extra ones. An extra field with a catalog
 * field's id gives that field its type (the catalog keeps the source's label).
 */
export function actionInputFields(action: ActionFields): readonly FieldDef[] {
  if (!action.extraInput) return action.input;
  let merged = mergedInputs.get(action);
  if (!merged) mergedInputs.set(action, (merged = mergeInputFields(action.input, action.extraInput)));
  return merged;
}

type ActionFields = { input: readonly FieldDef[]; extraInput?: readonly FieldDef[] };
/** Merged once per action: the same field objects each run keep fieldSchema's cache warm. */
const mergedInputs = new WeakMap<ActionFields, readonly FieldDef[]>();

function mergeInputFields(input: readonly FieldDef[], extraInput: readonly FieldDef[]): readonly FieldDef[] {
  const extra = new Map(extraInput.map((f) => [f.id, f]));
  const merged = input.map((f) => (extra.has(f.id) && !f.type ? { ...f, type: extra.get(f.id)!.type } : f));
  const known = new Set(input.map((f) => f.id));
  return [...merged, ...extraInput.filter((f) => !known.has(f.id))];
}

/** A trigger's options from the flow, coerced by their fields (a PermanentError names every bad one). */
export function triggerOptions(trigger: { options?: readonly FieldDef[] }, raw: Record<string, unknown> | undefined): Record<string, unknown> {
  return parseOrFail(trigger.options ?? [], raw, 'Настройки события / Trigger options');
}
