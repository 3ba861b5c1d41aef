// A sample flattened to the picker's dotted ids (the same rule as src/engine/flatten.ts):
// leaves only, numeric indices, keys the dotted syntax cannot hold in bracket form.
import type { SampleField } from './flowTypes.ts';

const PLAIN_KEY = /^[^\s.[\]|}"']+$/;

function segment(prefix: string, key: string): string {
  if (PLAIN_KEY.test(key)) return prefix ? `${prefix}.${key}` : key;
  return `${prefix}[${JSON.stringify(key)}]`;
}

export function flattenSample(value: unknown, maxFields = 1000): SampleField[] {
  const out: SampleField[] = [];
  const walk = (node: unknown, id: string, depth: number): void => {
    if (out.length >= maxFields) return;
    if (node !== null && typeof node === 'object' && depth < 20) {
      const entries: Array<[string, unknown]> = Array.isArray(node)
        ? node.map((v, i) => [String(i), v])
        : Object.entries(node as Record<string, unknown>);
      if (entries.length > 0) {
        for (const [k, v] of entries) walk(v, Array.isArray(node) ? (id ? `${id}.${k}` : k) : segment(id, k), depth + 1);
        return;
      }
    }
    if (id) out.push({ id, value: node });
  };
  walk(value, '', 0);
  return out;
}

/** A value as one short line for lists. */
export function preview(value: unknown, max = 60): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
