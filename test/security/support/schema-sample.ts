// A minimal value a route's zod schema accepts, made from its JSON Schema (input side): required
// object fields only, the shortest strings, the lowest numbers, the first enum value. Returns
// undefined when no such value is found (the caller then needs a hand-written one).
import { z } from 'zod';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: Json[];
  const?: Json;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  minItems?: number;
  items?: JsonSchema;
  format?: string;
  default?: Json;
};

const FORMATS: Record<string, string> = {
  email: 'someone@example.com',
  'date-time': '2026-01-01T00:00:00Z',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000',
};

function fromJsonSchema(s: JsonSchema): Json | undefined {
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum[0];
  for (const options of [s.anyOf, s.oneOf]) {
    if (options?.length) return fromJsonSchema(options[0]);
  }
  if (s.allOf?.length) return fromJsonSchema(s.allOf[0]);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, Json> = {};
      for (const key of s.required ?? []) {
        const v = fromJsonSchema(s.properties?.[key] ?? {});
        if (v === undefined) return undefined;
        out[key] = v;
      }
      return out;
    }
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => fromJsonSchema(s.items ?? {}) ?? null);
    case 'string': {
      if (s.format && FORMATS[s.format]) return FORMATS[s.format];
      return 'a'.repeat(Math.max(1, s.minLength ?? 1));
    }
    case 'integer':
    case 'number': {
      if (s.minimum !== undefined) return Math.max(s.minimum, 1);
      if (s.exclusiveMinimum !== undefined) return Math.floor(s.exclusiveMinimum) + 1;
      return 1;
    }
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return undefined;
  }
}

/** A minimal accepted value, or undefined. A schema that accepts `undefined` yields undefined. */
export function minimalValue(schema: z.ZodType | undefined): { value: unknown } | undefined {
  if (!schema) return { value: undefined };
  if (schema.safeParse(undefined).success) return { value: undefined };
  let json: JsonSchema;
  try {
    json = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as JsonSchema;
  } catch {
    return undefined;
  }
  const value = fromJsonSchema(json);
  return value !== undefined && schema.safeParse(value).success ? { value } : undefined;
}

/** A query schema's minimal value as query-string pairs (numbers and booleans as text). */
export function minimalQuery(schema: z.ZodType | undefined): Record<string, string> | undefined {
  if (!schema) return {};
  if (schema.safeParse({}).success) return {};
  const found = minimalValue(schema);
  if (!found || typeof found.value !== 'object' || found.value === null) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(found.value)) out[k] = String(v);
  return schema.safeParse(out).success ? out : undefined;
}
