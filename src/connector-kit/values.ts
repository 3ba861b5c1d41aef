// Value helpers every connector needs, one copy each.
export { isPlainObject } from '../lib/json.ts';

/** What a structured (object / list) input field may arrive as. */
export type StructuredType = 'object' | 'array' | 'json';

/**
 * An input of a structured field as the structure: templates render objects and lists as JSON
 * text. Not text → as it is. Text → the parsed value, or undefined when it is not JSON; with
 * `leadOnly`, text that does not start like that type (`{` for an object, `[` for a list, either
 * for json) is returned as it is, unparsed.
 */
export function coerceStructured(value: unknown, type: StructuredType, opts: { leadOnly?: boolean } = {}): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (opts.leadOnly && !(type !== 'array' && t.startsWith('{')) && !(type !== 'object' && t.startsWith('['))) return value;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}
