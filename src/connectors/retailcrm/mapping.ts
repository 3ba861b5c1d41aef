// Between the page's dotted ids and RetailCRM's nested entities: step input
// `{"items.0.offer.externalId": "x", "delivery.address.city": "Москва"}` becomes
// `{items: [{offer: {externalId: "x"}}], delivery: {address: {city: "Москва"}}}`.
import { PermanentError } from '../../connector-kit/errors.ts';
import { isPlainObject } from '../../connector-kit/values.ts';

type Obj = Record<string, unknown>;

/** Templates render missing values as "" or null: those mean "not set". */
export const isUnset = (v: unknown) => v === undefined || v === null || v === '';

function mergeInto(target: Obj | unknown[], key: string, value: unknown): void {
  const t = target as Record<string, unknown>;
  if (isPlainObject(value) && isPlainObject(t[key])) {
    for (const [k, v] of Object.entries(value)) mergeInto(t[key] as Obj, k, v);
  } else t[key] = value;
}

/** Unflattens dotted ids (numeric segments are array indices); unset values are dropped. */
export function assemble(input: Record<string, unknown>): Obj {
  const out: Obj = {};
  for (const [rawKey, rawValue] of Object.entries(input ?? {})) {
    if (isUnset(rawValue)) continue;
    const path = rawKey.split('.');
    const value = rawValue;
    let node: Obj | unknown[] = out;
    for (let i = 0; i < path.length - 1; i++) {
      const seg = path[i];
      const nextIsIndex = /^\d+$/.test(path[i + 1]);
      const holder = node as Record<string, unknown>;
      if (holder[seg] === undefined || holder[seg] === null || typeof holder[seg] !== 'object') holder[seg] = nextIsIndex ? [] : {};
      node = holder[seg] as Obj | unknown[];
    }
    const last = path[path.length - 1];
    if (Array.isArray(node) && /^\d+$/.test(last)) (node as unknown[])[Number(last)] = value;
    else mergeInto(node, last, value);
  }
  return compactArrays(out) as Obj;
}

/** `items.2` without `items.0`/`items.1` leaves holes: drop them. */
function compactArrays(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(compactArrays);
  if (isPlainObject(v)) {
    for (const k of Object.keys(v)) v[k] = compactArrays(v[k]);
    return v;
  }
  return v;
}

/** Removes and returns a scalar top-level key. */
export function take(obj: Obj, key: string): unknown {
  const v = obj[key];
  delete obj[key];
  return v;
}

export function requireValue(value: unknown, field: string): string {
  if (isUnset(value)) throw new PermanentError(`Поле "${field}" обязательно`);
  if (typeof value === 'object') throw new PermanentError(`Поле "${field}": ожидается строка или число`);
  return String(value).trim();
}
