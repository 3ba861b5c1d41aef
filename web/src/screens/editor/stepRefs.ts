// Step ids inside templates: renaming a step rewrites `{{steps.<old>…}}` in every later value.

export const STEP_ID_RE = /^[a-z][A-Za-z0-9_]{0,63}$/;

/** Why `id` cannot name a step (null when it can). */
export function stepIdProblem(id: string, otherIds: readonly string[]): 'format' | 'reserved' | 'duplicate' | null {
  if (!STEP_ID_RE.test(id)) return 'format';
  if (id === 'trigger') return 'reserved';
  if (otherIds.includes(id)) return 'duplicate';
  return null;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function renameInTemplate(text: string, from: string, to: string): string {
  if (!text.includes('{{')) return text;
  const ref = new RegExp(`(^|[^\\w.])steps\\.${escape(from)}(?![\\w])`, 'g');
  return text.replace(/\{\{[\s\S]*?\}\}/g, (expr) => expr.replace(ref, `$1steps.${to}`));
}

/** Every string inside `value` with the step reference renamed. */
export function renameInValue<T>(value: T, from: string, to: string): T {
  if (typeof value === 'string') return renameInTemplate(value, from, to) as T;
  if (Array.isArray(value)) return value.map((v) => renameInValue(v, from, to)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renameInValue(v, from, to)])) as T;
  }
  return value;
}

/** A fresh id for a new step of `type`: filter_1, action_2, … */
export function freshStepId(type: string, taken: readonly string[]): string {
  for (let n = 1; ; n++) {
    const id = `${type}_${n}`;
    if (!taken.includes(id)) return id;
  }
}
