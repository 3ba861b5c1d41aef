export function parseJson(text: string | null): unknown {
  if (text === null) return null;
  return JSON.parse(text);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
