// What a flow sees as `trigger` for a webhook: the parsed body with the query parameters merged
// in. Shared by intake (a new webhook), replays (engine/runs.ts) and the editor's samples, so it
// lives apart from the body parsers.
import { isPlainObject } from './json.ts';

/**
 * Query parameters (`?a=1&b[c]=2`, parsed by parseQueryString) merged into the parsed body, which
 * is what a flow sees as `trigger`:
 * - body an object: a deep merge; on a conflict the body wins (a key present in both keeps the
 *   body's value, except that two objects are merged key by key). Arrays are values, not merged.
 * - body not an object (a JSON array or scalar): `{ ...query, body }`, so the query stays
 *   addressable by name and the body sits under `body` (a query parameter named `body` loses, as
 *   in the object case).
 * - no query parameters: the body itself, unchanged (same reference).
 * Inputs are never mutated. Forbidden keys are skipped (the parsers never produce them anyway).
 */
export function mergeQuery(body: unknown, query: Record<string, unknown>): unknown {
  if (!hasKeys(query)) return body;
  if (!isPlainObject(body)) return mergeDeep(query, { body });
  return mergeDeep(query, body);
}

/** `__proto__`, `constructor` or `prototype`, without hashing every fresh key string (as a Set lookup would): most keys fail the length test. */
export function isForbiddenKey(key: string): boolean {
  const n = key.length;
  if (n === 9) return key === '__proto__' || key === 'prototype';
  return n === 11 && key === 'constructor';
}

function hasKeys(o: Record<string, unknown>): boolean {
  for (const _ in o) return true;
  return false;
}

function mergeDeep(under: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(under)) if (!isForbiddenKey(key)) out[key] = under[key];
  for (const key of Object.keys(over)) {
    if (isForbiddenKey(key)) continue;
    const value = over[key];
    const below = out[key];
    out[key] = isPlainObject(below) && isPlainObject(value) ? mergeDeep(below, value) : value;
  }
  return out;
}
