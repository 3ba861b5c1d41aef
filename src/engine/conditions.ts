// Conditions of filter steps. Values from webhooks are mostly strings ("1500.00", "true"), so
// comparisons coerce the way a user would expect: numbers numerically, dates by time.
import safeRegex from 'safe-regex2';
import { parseDate } from './dates.ts';

export const CONDITION_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'not_contains', 'starts_with', 'in', 'exists', 'not_exists', 'regex'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

const NUMERIC = /^\s*-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i;
const regexCache = new Map<string, RegExp>();

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && NUMERIC.test(v)) return Number(v);
  return undefined;
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function equals(a: unknown, b: unknown): boolean {
  if ((a === undefined || a === null || a === '') && (b === undefined || b === null || b === '')) return true;
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  if (typeof a === 'boolean' || typeof b === 'boolean') return asText(a).toLowerCase() === asText(b).toLowerCase();
  if (a === undefined || a === null || b === undefined || b === null) return false;
  return asText(a) === asText(b);
}

/** -1, 0, 1; numbers, then dates, then text. */
function compare(a: unknown, b: unknown): number {
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== undefined && nb !== undefined) return Math.sign(na - nb);
  const da = typeof a === 'string' ? parseDate(a) : undefined;
  const db = typeof b === 'string' ? parseDate(b) : undefined;
  if (da !== undefined && db !== undefined) return Math.sign(da - db);
  const ta = asText(a);
  const tb = asText(b);
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

function listOf(right: unknown): unknown[] {
  if (Array.isArray(right)) return right;
  if (typeof right === 'string') return right.split(',').map((s) => s.trim());
  return [right];
}

function compileRegex(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    const m = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
    re = m ? new RegExp(m[1], m[2].replace('g', '')) : new RegExp(pattern);
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

export function evaluateCondition(left: unknown, op: ConditionOp, right: unknown): boolean {
  switch (op) {
    case 'eq':
      return equals(left, right);
    case 'ne':
      return !equals(left, right);
    case 'gt':
      return !isBlank(left) && compare(left, right) > 0;
    case 'gte':
      return !isBlank(left) && compare(left, right) >= 0;
    case 'lt':
      return !isBlank(left) && compare(left, right) < 0;
    case 'lte':
      return !isBlank(left) && compare(left, right) <= 0;
    case 'contains':
      return Array.isArray(left) ? left.some((item) => equals(item, right)) : asText(left).includes(asText(right));
    case 'not_contains':
      return !evaluateCondition(left, 'contains', right);
    case 'starts_with':
      return asText(left).startsWith(asText(right));
    case 'in':
      return listOf(right).some((item) => equals(left, item));
    case 'exists':
      return !isBlank(left);
    case 'not_exists':
      return isBlank(left);
    case 'regex':
      return compileRegex(asText(right)).test(asText(left));
  }
}

/** Save-time check of a condition's operator and right side; an error message or null. */
export function checkConditionStatic(op: ConditionOp, right: unknown): string | null {
  if (op === 'exists' || op === 'not_exists') return null;
  if (right === undefined) return `operator "${op}" needs a "right" value`;
  if (op === 'in' && !Array.isArray(right) && typeof right !== 'string') return 'operator "in" needs an array or a comma-separated string';
  if (op === 'regex') {
    if (typeof right !== 'string') return 'operator "regex" needs a pattern string';
    if (right.includes('{{')) return null; // a templated pattern is checked when it runs
    let re: RegExp;
    try {
      re = compileRegex(right);
    } catch (error) {
      return `invalid regular expression: ${(error as Error).message}`;
    }
    if (!safeRegex(re)) return `regular expression ${right} may take exponential time (nested quantifiers); simplify it`;
  }
  return null;
}
