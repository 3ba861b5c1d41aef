// Flattens a sample event to the ids the field picker shows: customer.phones.0.number.
// Leaves only (primitives, null, empty arrays and objects), in document order, own keys only.
// A key the dotted template syntax cannot hold (".", space, brackets, "|", "}", empty) is written
// in bracket form, `form["Your name"]`, so every id can be pasted into `{{ trigger.<id> }}`.
export interface FlatField {
  id: string;
  sample: unknown;
}

const PLAIN_KEY = /^[^\s.[\]|}"']+$/;

function segment(prefix: string, key: string): string {
  if (PLAIN_KEY.test(key)) return prefix ? `${prefix}.${key}` : key;
  return `${prefix}[${JSON.stringify(key)}]`;
}

export function flattenSample(value: unknown, opts: { maxFields?: number; maxDepth?: number } = {}): FlatField[] {
  const maxFields = opts.maxFields ?? 2000;
  const maxDepth = opts.maxDepth ?? 20;
  const out: FlatField[] = [];
  const walk = (node: unknown, id: string, depth: number): void => {
    if (node !== null && typeof node === 'object' && depth < maxDepth) {
      if (Array.isArray(node)) {
        if (node.length > 0) {
          for (let i = 0; i < node.length && out.length < maxFields; i++) walk(node[i], id ? `${id}.${i}` : String(i), depth + 1);
          return;
        }
      } else {
        const keys = Object.keys(node);
        if (keys.length > 0) {
          for (let i = 0; i < keys.length && out.length < maxFields; i++) walk((node as Record<string, unknown>)[keys[i]], segment(id, keys[i]), depth + 1);
          return;
        }
      }
    }
    // A leaf; a container deeper than maxDepth is shown whole, clipped (the answer is JSON, and
    // an API's reply can be nested past what serialising it takes). A bare primitive has no id.
    if (id && out.length < maxFields) out.push({ id, sample: clip(node, maxDepth) });
  };
  walk(value, '', 0);
  return out;
}

/** A copy of `value` with containers more than `levels` down replaced by "…" (cycles end there too). */
function clip(value: unknown, levels: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (levels <= 0) return '…';
  if (Array.isArray(value)) return value.map((v) => clip(v, levels - 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, { value: clip((value as Record<string, unknown>)[key], levels - 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
