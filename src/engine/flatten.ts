// Flattens a sample event to the dotted ids the field picker shows: customer.phones.0.number.
export interface FlatField {
  id: string;
  sample: unknown;
}

export function flattenSample(value: unknown, opts: { maxFields?: number; maxDepth?: number } = {}): FlatField[] {
  const maxFields = opts.maxFields ?? 2000;
  const maxDepth = opts.maxDepth ?? 20;
  const out: FlatField[] = [];
  const walk = (node: unknown, prefix: string, depth: number) => {
    if (out.length >= maxFields) return;
    const isContainer = node !== null && typeof node === 'object';
    const entries = isContainer ? (Array.isArray(node) ? node.map((v, i) => [String(i), v] as const) : Object.entries(node as object)) : [];
    if (!isContainer || entries.length === 0 || depth >= maxDepth) {
      if (prefix) out.push({ id: prefix, sample: node });
      return;
    }
    for (const [key, child] of entries) walk(child, prefix ? `${prefix}.${key}` : key, depth + 1);
  };
  walk(value, '', 0);
  return out;
}
